import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

it('no bearer key, session cookie, password or TOTP code reaches the log output', () => {
  const secrets = [randomBytes(18).toString('hex'), randomBytes(18).toString('hex'), `pw-${randomBytes(9).toString('hex')}`, String(100000 + (randomBytes(3).readUIntBE(0, 3) % 900000))];
  const script = fileURLToPath(new URL('./fixtures/log-secrets.ts', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, GOVFLOW_LOG_LEVEL: 'debug' };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...secrets], { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const output = run.stdout + run.stderr;
  // The probe did log those objects (the test would pass vacuously otherwise).
  for (const message of ['authenticating', 'request seen', 'responding', 'sign-in attempt']) assert.ok(output.includes(message), `missing log line ${message}`);
  assert.ok(output.includes('[redacted]'));
  for (const secret of secrets) assert.ok(!output.includes(secret), `secret ${secret} leaked into the log:\n${output.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
});
