#!/usr/bin/env node
// Mutation testing of one critical module at a time (issue 26): `npm run mutate -- <module>`. Not part of CI: a run
// takes up to an hour. StrykerJS's TAP runner runs each listed test file as `node --import tsx <file>` (node:test
// prints TAP) against a sandbox copy whose sources carry every mutant; per-file coverage means a mutant only runs
// the files that reach it. Results are kept per module in reports/mutation/<module>/ and reused next time
// (incremental mode: only mutants in changed code, or covered by changed tests, run again).
//
// PGlite only: the PostgreSQL halves of the suites skip (GOVFLOW_TEST_PG_URL is cleared), which halves the time;
// the SQL under test is the same text on both backends.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATION_MODULES } from './mutation-modules.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '1' },
    full: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    mutate: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const usage = `usage: npm run mutate -- <module> [--concurrency N] [--full] [--dry-run]
modules: ${Object.keys(MUTATION_MODULES).join(', ')}
  --concurrency N  test processes at once (default 1: the machine is shared)
  --full           ignore the previous run's results (incremental is the default)
  --dry-run        only check that the tests pass on the instrumented code and count the mutants
  --mutate SPEC    only part of the module, in Stryker's form: file[:startLine-endLine], comma-separated`;
const name = positionals[0];
if (values.help || !name) {
  console.log(usage);
  process.exit(name || values.help ? 0 : 2);
}
if (!Object.hasOwn(MUTATION_MODULES, name)) {
  console.error(`unknown module '${name}'\n${usage}`);
  process.exit(2);
}
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--concurrency must be a positive whole number, not '${values.concurrency}'`);
  process.exit(2);
}

const env = { ...process.env, GOVFLOW_MUTATE_MODULE: name, GOVFLOW_MUTATE_CONCURRENCY: String(concurrency), GOVFLOW_LOG_LEVEL: 'silent' };
for (const key of ['GOVFLOW_TEST_PG_URL', 'GOVFLOW_TEST_PG_BIN', 'GOVFLOW_TEST_PG_DATA', 'GOVFLOW_REQUIRE_PG', 'CI']) delete env[key];
// The sandbox is a copy under .stryker-tmp/, so ../shared is not beside it: tell the data-backed helpers where it is.
env.GOVFLOW_SHARED_DATA ??= path.resolve(root, '..', 'shared', 'data');
if (values.full) env.GOVFLOW_MUTATE_FULL = '1';
// PGlite test databases start from a migrated image (src/store's migratedSnapshotDir) instead of applying every
// migration once per mutant, as in `npm test`.
env.GOVFLOW_PGLITE_SNAPSHOT_DIR ??= path.join(os.tmpdir(), 'govflow-test-pglite');
// Niceness 10 for Stryker and every test process it starts (they inherit it): the machine is shared.
os.setPriority(Math.max(os.getPriority(), 10));
const args = ['stryker', 'run', 'stryker.config.mjs', ...(values['dry-run'] ? ['--dryRunOnly'] : []), ...(values.mutate ? ['--mutate', values.mutate] : [])];
const child = spawn('npx', args, { stdio: 'inherit', cwd: root, env });
process.on('SIGINT', () => child.kill('SIGINT'));
child.on('exit', (code) => process.exit(code ?? 1));
