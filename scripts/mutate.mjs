#!/usr/bin/env node
// Mutation testing of one critical module at a time (issue 26): `npm run mutate -- <module>`. Not part of CI. Stryker
// instruments a sandbox copy of the sources with every mutant behind a switch; our in-process node:test runner
// (scripts/stryker/node-test-runner.mjs) loads the module's test files once per worker and reruns, for each mutant,
// only the tests whose coverage reaches it (`--runner tap`: Stryker's TAP runner, a node process per file and
// mutant, to cross-check). Results are kept per module in reports/mutation/<module>/ and reused next time
// (incremental mode: only mutants in changed code, or covered by changed tests, run again; `--full` for a score).
//
// One backend: PGlite by default (the PostgreSQL halves skip: GOVFLOW_TEST_PG_URL is cleared), or PostgreSQL with
// --backend postgres (the PGlite halves skip); the SQL under test is the same text on both backends.
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
    tests: { type: 'string' },
    nice: { type: 'string', default: '19' },
    backend: { type: 'string', default: 'pglite' },
    runner: { type: 'string', default: 'inprocess' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const usage = `usage: npm run mutate -- <module> [--concurrency N] [--full] [--dry-run] [--mutate SPEC] [--tests FILES] [--nice N] [--backend pglite|postgres] [--runner inprocess|tap]
modules: ${Object.keys(MUTATION_MODULES).join(', ')}
  --concurrency N  test processes at once (default 1: the machine is shared)
  --full           ignore the previous run's results (incremental is the default)
  --dry-run        only check that the tests pass on the instrumented code and count the mutants
  --mutate SPEC    only part of the module, in Stryker's form: file[:startLine-endLine], comma-separated
  --nice N         the run's niceness (default 19, the lowest priority: the machine is shared); 0 on a machine
                   kept for the run
  --backend B      pglite (default) or postgres: the database-backed halves run on that backend only. postgres
                   uses GOVFLOW_TEST_PG_URL or starts a throwaway server, and copies a migrated template database per
                   test file (a fraction of a second) instead of starting PGlite
  --runner R       inprocess (default): one process per worker runs the tests again for each mutant
                   (scripts/stryker/node-test-runner.mjs); tap: a node process per test file and mutant (Stryker's TAP
                   runner), slower, to cross-check a result
  --tests FILES    run only these test files (comma-separated) instead of the module's list, for a slice that
                   narrower files cover: a surviving mutant runs every listed file, so each slow file costs per mutant`;
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

if (values.runner !== 'inprocess' && values.runner !== 'tap') {
  console.error(`--runner must be inprocess or tap, not '${values.runner}'`);
  process.exit(2);
}
if (values.backend !== 'pglite' && values.backend !== 'postgres') {
  console.error(`--backend must be pglite or postgres, not '${values.backend}'`);
  process.exit(2);
}
const env = { ...process.env, GOVFLOW_MUTATE_MODULE: name, GOVFLOW_MUTATE_CONCURRENCY: String(concurrency), GOVFLOW_LOG_LEVEL: 'silent' };
for (const key of ['GOVFLOW_TEST_PG_BIN', 'GOVFLOW_TEST_PG_DATA', 'GOVFLOW_REQUIRE_PG', 'CI']) delete env[key];
let stopServer = () => Promise.resolve();
if (values.backend === 'pglite') {
  delete env.GOVFLOW_TEST_PG_URL;
} else {
  env.GOVFLOW_TEST_BACKENDS = 'postgres';
  env.GOVFLOW_TEST_PG_TEMPLATE = '1';
  if (!env.GOVFLOW_TEST_PG_URL) {
    // The store's own starter, as scripts/run-tests.mjs uses it.
    const { register } = await import('tsx/esm/api');
    register();
    const { findPostgresBin, startThrowawayPostgres } = await import('../src/store/index.ts');
    const bin = findPostgresBin();
    const server = bin ? await startThrowawayPostgres({ bin, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } }) : undefined;
    if (!server) {
      console.error('--backend postgres: no PostgreSQL server binaries found (install postgresql, or set GOVFLOW_TEST_PG_URL)');
      process.exit(2);
    }
    env.GOVFLOW_TEST_PG_URL = server.url;
    stopServer = () => server.stop();
  }
}
// The sandbox is a copy under .stryker-tmp/, so ../shared is not beside it: tell the data-backed helpers where it is.
env.GOVFLOW_SHARED_DATA ??= path.resolve(root, '..', 'shared', 'data');
if (values.full) env.GOVFLOW_MUTATE_FULL = '1';
if (values.tests) env.GOVFLOW_MUTATE_TESTS = values.tests;
env.GOVFLOW_MUTATE_RUNNER = values.runner;
// PGlite test databases start from a migrated image (src/store's migratedSnapshotDir) instead of applying every
// migration once per mutant, as in `npm test`.
env.GOVFLOW_PGLITE_SNAPSHOT_DIR ??= path.join(os.tmpdir(), 'govflow-test-pglite');
// Niceness 19 by default (the lowest priority) for Stryker and every test process it starts (they inherit it): the machine is
// shared, and a mutation run is background work that should take only what the others leave.
const niceness = Number(values.nice);
if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
  console.error(`--nice must be a whole number from 0 to 19, not '${values.nice}'`);
  process.exit(2);
}
os.setPriority(Math.max(os.getPriority(), niceness));
const args = ['stryker', 'run', 'stryker.config.mjs', ...(values['dry-run'] ? ['--dryRunOnly'] : []), ...(values.mutate ? ['--mutate', values.mutate] : [])];
const child = spawn('npx', args, { stdio: 'inherit', cwd: root, env });
process.on('SIGINT', () => child.kill('SIGINT'));
child.on('exit', (code) => {
  void stopServer().finally(() => process.exit(code ?? 1));
});
