import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { ERROR_CATALOGUE } from '../src/kernel/index.js';

it('docs/errors.md lists every error code with its kind and HTTP status, and nothing else', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(GOVFLOW_ERR_[A-Z_]+)` \| (\w+) \| (\d+) \|/gm)].map((m) => [m[1], m[2], Number(m[3])]);
  const expected = Object.entries(ERROR_CATALOGUE).map(([code, spec]) => [code, spec.kind, spec.status]);
  assert.deepEqual(rows.sort(), expected.sort());
});

it('codes follow the GOVFLOW_ERR_ naming and 4xx/5xx match their kind', () => {
  for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(code, /^GOVFLOW_ERR_[A-Z][A-Z_]*$/);
    if (spec.kind === 'user') assert.ok(spec.status >= 400 && spec.status < 500, code);
    if (spec.kind === 'bug') assert.equal(spec.status, 500, code);
  }
});
