// Regenerates docs/errors.md from the error catalogue (a test checks they agree).
import { writeFile } from 'node:fs/promises';
import { ERROR_CATALOGUE } from '../src/kernel/index.js';

const lines = [
  '# Error codes', '',
  'Every error govflow returns (HTTP, CLI) carries one of these stable codes. Codes are never renamed or reused;',
  'a retired code stays listed as retired. **kind**: `user` — the request must change (4xx); `retry` — try again later;',
  '`bug` — our fault, logged with a reference.', '',
  'The body of an error response is `{ "code", "message", "details": [{ "where", "line", "column", "message" }] }`.', '',
  '| code | kind | HTTP | meaning |', '|---|---|---|---|',
  ...Object.entries(ERROR_CATALOGUE).map(([code, spec]) => `| \`${code}\` | ${spec.kind} | ${spec.status} | ${spec.title} |`),
];
await writeFile(new URL('../docs/errors.md', import.meta.url), `${lines.join('\n')}\n`);
console.log('wrote docs/errors.md');
