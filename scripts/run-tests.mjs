#!/usr/bin/env node
// The whole test suite: static checks, a throwaway PostgreSQL server, then node's test runner over every
// *.test.ts file (or the paths given as arguments). With CI=true a PostgreSQL server that cannot be started is a
// failure, not a skip, because the suite's promise is "runs on both backends".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const isCI = process.env.CI === 'true';
const skipStatic = process.env.GOVFLOW_SKIP_STATIC === '1' || args.length > 0;

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, ...opts });
  return r.status ?? 1;
}

if (!skipStatic) {
  console.log('» typecheck (tsc --noEmit)');
  if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) process.exit(1);
  console.log('» lint (eslint, including the module-boundary rule)');
  if (run('npx', ['eslint', '--max-warnings=0', '.']) !== 0) process.exit(1);
}

async function startPostgres() {
  if (process.env.GOVFLOW_TEST_PG_URL) return { url: process.env.GOVFLOW_TEST_PG_URL, stop() {} };
  // The store's own starter (TypeScript, loaded through tsx as bin/govflow.mjs does). fsync off: a throwaway
  // server for tests; the crash tests kill govflow processes, not the server's disk.
  const { register } = await import('tsx/esm/api');
  register();
  const { findPostgresBin, startThrowawayPostgres } = await import('../src/store/index.ts');
  const bin = findPostgresBin();
  if (!bin) return undefined;
  const server = await startThrowawayPostgres({ bin, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  if (!server) return undefined;
  console.log(`» PostgreSQL from ${bin} at ${server.url}`);
  return { url: server.url, bin, dataDir: path.join(server.dir, 'data'), stop: () => server.stop() };
}

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const pgServer = await startPostgres().catch((error) => {
  console.error(`could not start PostgreSQL: ${error.message}`);
  return undefined;
});
if (!pgServer) {
  if (isCI) {
    console.error('CI=true and no PostgreSQL server could be started: the suite must run on both backends.');
    process.exit(1);
  }
  console.warn('» no PostgreSQL server found: PostgreSQL tests will be skipped (install postgresql to run them)');
}

// The longest files start first (longest-processing-time order): with three at a time, a two-minute file that
// starts last keeps the run going two minutes after everything else has ended. Durations from clean-clone runs;
// a file missing from the list runs after these, in path order.
const SLOWEST_FIRST = [
  'test/e2e/services-journeys.test.ts', 'test/security/attacks.test.ts', 'test/transparency/figures.test.ts',
  'test/portal/citizen-journey.test.ts', 'test/i18n/journeys-browser.test.ts', 'test/admin/service-builder-browser.test.ts', 'test/workbench/process-intelligence.test.ts', 'test/sensors/bench-and-simulate.test.ts', 'test/transparency/pages-browser.test.ts', 'test/architecture/reads-never-write.test.ts',
  'test/architecture/page-sweep.test.ts', 'test/admin/admin-browser.test.ts', 'test/engagement/participation-pages.test.ts',
  'test/engagement/feedback-and-triage-pages.test.ts', 'test/cli/backup.test.ts', 'test/bench-web.test.ts',
  'test/identity/authorisation-matrix.test.ts', 'test/workbench/case-page-browser.test.ts', 'test/admin/admin-editors-browser.test.ts',
  'test/workbench/workbench-browser.test.ts', 'test/engagement/updates.test.ts',
  // Stop 18, targeted runs side by side at load 20-30 (no clean-clone log per file): about as long as the training
  // sandbox test or longer, and most of them late in path order, where they would have run last.
  'test/workbench/workbench.test.ts',
  'test/training/training-sandbox.test.ts',
  'test/transparency/open-data.test.ts', 'test/privacy/personal-data-at-rest.test.ts', 'test/exchange/fire-review-browser.test.ts', 'test/cli/keys-rotation.test.ts',
  'test/engagement/installable-app.test.ts',
  'test/exchange/two-instances.test.ts', 'test/exchange/restart.test.ts',
].map((file) => path.join(root, file));
const rank = (file) => { const i = SLOWEST_FIRST.indexOf(file); return i < 0 ? SLOWEST_FIRST.length : i; };
const everyTest = () => [...findTests(path.join(root, 'test')), ...findTests(path.join(root, 'src'))].map((file, i) => ({ file, i }))
  .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i).map(({ file }) => file);
const targets = args.length > 0 ? args.flatMap((a) => (existsSync(a) && statSync(a).isDirectory() ? findTests(path.resolve(a)) : [path.resolve(a)])) : everyTest();
const env = { ...process.env, GOVFLOW_LOG_LEVEL: process.env.GOVFLOW_LOG_LEVEL ?? 'silent' };
if (pgServer) {
  env.GOVFLOW_TEST_PG_URL = pgServer.url;
  if (pgServer.bin) env.GOVFLOW_TEST_PG_BIN = pgServer.bin;
  if (pgServer.dataDir) env.GOVFLOW_TEST_PG_DATA = pgServer.dataDir;
}
if (isCI) env.GOVFLOW_REQUIRE_PG = '1';
// Every new embedded test database (in memory or in a fresh data directory, in this process's children and theirs)
// starts from one migrated image instead of applying each migration: several seconds per database, hundreds of
// databases. The migrations still run on top of it; every PostgreSQL test database and the table-ownership test
// (test/architecture/table-ownership.test.ts) migrate from nothing.
env.GOVFLOW_PGLITE_SNAPSHOT_DIR ??= path.join(tmpdir(), 'govflow-test-pglite');
// Every test file signs in, posts and calls the API from 127.0.0.1, some hundreds of times a minute (the
// authorisation matrix): the production limits would refuse them. The rate-limit tests set their own small limits.
env.GOVFLOW_RATE_LIMITS ??= '*=1000000/1m';
// Each file's time, for keeping SLOWEST_FIRST (and the 30-minute budget) honest from a clean run.
if (args.length === 0) {
  env.GOVFLOW_TEST_DURATIONS ??= path.join(tmpdir(), 'govflow-test-durations.json');
  console.log(`» each file's time goes to ${env.GOVFLOW_TEST_DURATIONS}`);
}

const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'scripts', 'test-exit-guard.mjs'), path.join(root, 'scripts', 'test-files.mjs'), ...targets], { stdio: 'inherit', cwd: root, env });
const stop = () => pgServer?.stop();
process.on('SIGINT', () => { child.kill('SIGINT'); });
child.on('exit', (code) => {
  stop();
  process.exit(code ?? 1);
});
