#!/usr/bin/env node
// The whole test suite: static checks, a throwaway PostgreSQL server, then node's test runner over every
// *.test.ts file (or the paths given as arguments). With CI=true a PostgreSQL server that cannot be started is a
// failure, not a skip, because the suite's promise is "runs on both backends".
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
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

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function findPgBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  // Prefer 15, the version the suite is specified against; any installed version will do otherwise.
  const pick = versions.includes('15') ? '15' : versions[0];
  return pick ? path.join(base, pick, 'bin') : undefined;
}

async function startPostgres() {
  if (process.env.GOVFLOW_TEST_PG_URL) return { url: process.env.GOVFLOW_TEST_PG_URL, stop() {} };
  const bin = findPgBin();
  if (!bin) return undefined;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govflow-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const wrap = (cmd, cmdArgs) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...cmdArgs]] : [cmd, cmdArgs]);
  const exec = (cmd, cmdArgs) => {
    const [c, a] = wrap(cmd, cmdArgs);
    execFileSync(c, a, { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  exec(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  // fsync off: a throwaway server for tests; the crash tests kill govflow processes, not the server's disk.
  exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  console.log(`» PostgreSQL from ${bin} on port ${port}`);
  return {
    url,
    bin,
    dataDir,
    stop() {
      try { exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
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

const targets = args.length > 0 ? args.flatMap((a) => (existsSync(a) && statSync(a).isDirectory() ? findTests(path.resolve(a)) : [path.resolve(a)])) : [...findTests(path.join(root, 'test')), ...findTests(path.join(root, 'src'))];
const env = { ...process.env, GOVFLOW_LOG_LEVEL: process.env.GOVFLOW_LOG_LEVEL ?? 'silent' };
if (pgServer) {
  env.GOVFLOW_TEST_PG_URL = pgServer.url;
  if (pgServer.bin) env.GOVFLOW_TEST_PG_BIN = pgServer.bin;
  if (pgServer.dataDir) env.GOVFLOW_TEST_PG_DATA = pgServer.dataDir;
}
if (isCI) env.GOVFLOW_REQUIRE_PG = '1';

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.GOVFLOW_TEST_CONCURRENCY ?? 2}`, ...targets], { stdio: 'inherit', cwd: root, env });
const stop = () => pgServer?.stop();
process.on('SIGINT', () => { child.kill('SIGINT'); });
child.on('exit', (code) => {
  stop();
  process.exit(code ?? 1);
});
