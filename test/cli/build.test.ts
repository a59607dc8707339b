/**
 * The build (scripts/build.mjs, run by `npm install`): every module of src/ compiled, every file that is not
 * TypeScript copied beside it byte for byte, and the compiled modules find their files (SQL migrations, e-mail
 * templates, the service catalogue beside src/) from where they now are. Built into a sibling of dist/ so
 * the paths relative to the repository root are the ones dist/ has.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { listMigrations } from '../../src/store/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const src = path.join(root, 'src');

describe('the build', () => {
  const out = path.join(root, `dist.test-${process.pid}`);
  before(async () => {
    await run(process.execPath, [path.join(root, 'scripts/build.mjs'), '--out', out], { cwd: root, timeout: 180_000 });
  });
  after(async () => rm(out, { recursive: true, force: true }));

  it('compiles every module and copies every other file of src/', () => {
    const files = readdirSync(src, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(src, path.join(e.parentPath, e.name)));
    const modules = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
    const assets = files.filter((f) => !f.endsWith('.ts'));
    assert.ok(modules.includes(path.join('cli', 'main.ts')) && assets.some((f) => f.endsWith('.sql')), 'the walk found the sources');
    for (const f of modules) assert.ok(existsSync(path.join(out, f.replace(/\.ts$/, '.js'))), `${f} compiled`);
    for (const f of assets) assert.ok(readFileSync(path.join(out, f)).equals(readFileSync(path.join(src, f))), `${f} copied`);
    assert.ok(!readdirSync(out, { recursive: true }).some((f) => String(f).endsWith('.ts')), 'no TypeScript in the build');
  });

  it('the compiled modules find their migrations, templates and the service catalogue; the simulator loads', async () => {
    const url = (p: string): string => pathToFileURL(path.join(out, p)).href;
    const script = `
      const { listMigrations } = await import(${JSON.stringify(url('store/index.js'))});
      const { DEFAULT_TEMPLATES_DIR } = await import(${JSON.stringify(url('notifications/index.js'))});
      const { DEFAULT_CATALOGUE_DIR, loadCatalogue } = await import(${JSON.stringify(url('catalogue/index.js'))});
      const { main } = await import(${JSON.stringify(url('simulator/agency-simulator.js'))});
      const fs = await import('node:fs');
      console.log(JSON.stringify({
        migrations: (await listMigrations()).map((m) => m.name + ' ' + m.checksum),
        templates: fs.readdirSync(DEFAULT_TEMPLATES_DIR).sort(),
        services: (await loadCatalogue(DEFAULT_CATALOGUE_DIR)).services.map((s) => s.id).sort(),
        simulator: typeof main,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 120_000 });
    const found = JSON.parse(stdout) as { migrations: string[]; templates: string[]; services: string[]; simulator: string };
    const expected = (await listMigrations()).map((m) => `${m.name} ${m.checksum}`);
    assert.ok(expected.length > 10);
    assert.deepEqual(found.migrations, expected);
    assert.equal(found.simulator, 'function', 'the agency simulator compiled with its imports pointing at the compiled modules');
    assert.deepEqual(found.templates, readdirSync(path.join(src, 'notifications', 'templates')).sort());
    assert.deepEqual(found.services, readdirSync(path.join(root, 'services')).filter((d) => existsSync(path.join(root, 'services', d, 'service.json'))).sort());
  });

  it('builds `mine` as one file, whose coded errors the CLI, loading the kernel on its own, still recognises', async () => {
    const mine = readFileSync(path.join(out, 'cli/commands/mine.js'), 'utf8');
    assert.doesNotMatch(mine, /(from\s*|import\()["']\.{1,2}\//, 'no import of another compiled module: everything from src/ is inside');
    const url = (p: string): string => pathToFileURL(path.join(out, p)).href;
    const script = `
      const { command } = await import(${JSON.stringify(url('cli/commands/mine.js'))});
      const kernel = await import(${JSON.stringify(url('kernel/index.js'))});
      let thrown;
      try { await command.run([${JSON.stringify(path.join(out, 'no-such-log.csv'))}, '--json']); } catch (error) { thrown = error; }
      const plain = new Error('not ours');
      console.log(JSON.stringify({
        separateCopy: !(thrown instanceof kernel.GovflowError),
        recognised: kernel.isGovflowError(thrown),
        code: kernel.toGovflowError(thrown).code,
        plain: kernel.isGovflowError(plain) || kernel.isGovflowError({ code: 'GOVFLOW_ERR_LOG_PARSE' }),
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 120_000 });
    assert.deepEqual(JSON.parse(stdout), { separateCopy: true, recognised: true, code: 'GOVFLOW_ERR_LOG_PARSE', plain: false });
  });
});
