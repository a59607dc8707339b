// Writes (with --write) or prints the normalised schema after all migrations, from a fresh embedded database.
import { writeFile } from 'node:fs/promises';
import { dumpSchema, openDatabase } from '../src/store/index.js';

const db = await openDatabase({ url: 'memory://' });
const text = await dumpSchema(db);
await db.close();
if (process.argv.includes('--write')) {
  await writeFile(new URL('../src/store/schema.snapshot.sql', import.meta.url), text);
  console.log('wrote src/store/schema.snapshot.sql');
} else {
  process.stdout.write(text);
}
