import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { listMigrations, type Backend, type Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

const MIGRATIONS = new URL('../../src/store/migrations/', import.meta.url);

/**
 * TRANSITIONAL (as in test/documents/support.ts): migration numbers must have no gap and 0004–0007 belong to other
 * engineers. While the sequence has gaps, apply the landed ones below 0008 plus 0008 by hand (same SQL, same
 * order; later numbers are not ours to depend on); once the sequence is whole, the ordinary migrate() runs.
 */
export async function registriesDatabase(backend: Backend): Promise<Database> {
  try {
    await listMigrations();
    return await freshDatabase(backend);
  } catch (error) {
    if (!/without a gap/.test((error as Error).message)) throw error;
  }
  const db = await freshDatabase(backend, { migrate: false });
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f) && f < '0008').sort();
  for (const file of files) await db.exec(readFileSync(new URL(file, MIGRATIONS), 'utf8'));
  await db.exec(readFileSync(new URL('0008-registries-notifications.sql', MIGRATIONS), 'utf8'));
  // The connector writes to the privacy access log (0010) when it is there; it depends on no other table.
  if (existsSync(new URL('0010-privacy.sql', MIGRATIONS))) await db.exec(readFileSync(new URL('0010-privacy.sql', MIGRATIONS), 'utf8'));
  return db;
}
