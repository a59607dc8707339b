/**
 * `govflow --help` must start fast, so it may load the CLI's entry point and nothing else of govflow: no domain
 * module, no npm package (bar tsx while dist/ is older than src/). What it loads is traced with a module-loading
 * hook in a real child process; the speed itself is a benchmark figure (docs/benchmarks.md), not asserted here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(root, 'bin/govflow.mjs');
const hook = pathToFileURL(fileURLToPath(new URL('./trace-imports.mjs', import.meta.url))).href;

describe('govflow startup', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-startup-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /** Runs the bin with the hook; returns its output and the repository-relative paths of what it loaded. */
  async function traced(args: string[]): Promise<{ stdout: string; loaded: string[] }> {
    const trace = path.join(dir, `trace-${args.join('-')}.txt`);
    const { stdout } = await run(process.execPath, ['--import', hook, bin, ...args], { env: { ...process.env, GOVFLOW_IMPORT_TRACE: trace }, timeout: 60_000 });
    const urls = (await readFile(trace, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
    return { stdout, loaded: urls.map((u) => path.relative(root, fileURLToPath(u))).filter((p) => !p.startsWith('..')) };
  }

  it('--help loads the CLI entry point and no domain module or npm package', async () => {
    const { stdout, loaded } = await traced(['--help']);
    for (const name of ['serve', 'deploy', 'mine', 'bench', 'ledger', 'backup', 'restore']) assert.match(stdout, new RegExp(`\\n  ${name} `));
    const ours = loaded.filter((p) => !p.startsWith('node_modules/'));
    assert.ok(ours.some((p) => /^(dist|src)\/cli\/main\.(js|ts)$/.test(p)), `the entry point was traced: ${ours.join(', ')}`);
    assert.deepEqual(ours.filter((p) => p !== 'bin/govflow.mjs' && p !== 'bin/load-built.mjs' && p !== 'test/cli/trace-imports.mjs' && !/^(dist|src)\/cli\/main\.(js|ts)$/.test(p)), []);
    // Packages: none from dist/; tsx and what it needs only when the bin fell back to the TypeScript.
    const usedTsx = ours.includes('src/cli/main.ts');
    assert.deepEqual(loaded.filter((p) => p.startsWith('node_modules/') && !(usedTsx && /^node_modules\/(tsx|esbuild|get-tsconfig|resolve-pkg-maps)\//.test(p))), []);
  });

  // npm 11 runs a package's own bin by installing the package into its npx cache after loading the whole
  // node_modules tree; a command in node_modules/.bin runs at once (scripts/link-bin.mjs, run by `prepare`).
  it('`npx govflow` is the link in node_modules/.bin, not a bin of the package itself', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { bin?: unknown; scripts: Record<string, string> };
    assert.equal(pkg.bin, undefined, 'a `bin` in package.json sends npx govflow through npm\'s self-install path');
    assert.match(pkg.scripts['prepare'] ?? '', /node scripts\/link-bin\.mjs/);
    const link = path.join(root, 'node_modules', '.bin', 'govflow');
    assert.equal(await readlink(link), path.join('..', '..', 'bin', 'govflow.mjs'));
    assert.equal(await realpath(link), await realpath(bin));
    const { stdout } = await run('npx', ['--no-install', 'govflow', '--help'], { cwd: root, timeout: 60_000 });
    assert.match(stdout, /^Usage: govflow <command>/m);
  });

  it('a command loads its own domain modules (the trace sees them)', async () => {
    const { loaded } = await traced(['mine', '--help']);
    // From dist/, `mine` is one file with the mining module inside (scripts/build.mjs); through tsx, the module itself.
    assert.ok(loaded.some((p) => p === 'src/mining/index.ts' || p === 'dist/cli/commands/mine.js'), `mine loads the mining module: ${loaded.join(', ')}`);
    if (loaded.includes('dist/cli/commands/mine.js')) assert.ok(!loaded.some((p) => p.startsWith('dist/mining/') || p.startsWith('dist/kernel/')), 'the one-file mine loads no compiled module beside it');
    assert.ok(!loaded.some((p) => /^(dist|src)\/(engine|portal|web)\//.test(p)), 'mine does not load the engine or the web tier');
  });
});
