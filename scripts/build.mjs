#!/usr/bin/env node
// The build: src/**/*.ts → dist/**/*.js, one file per file (no bundle), so every module keeps its own
// import.meta.url at the same depth below the repository root as its source (paths to examples/, services/ and
// bin/ stay right), and the files that are not TypeScript (html, css, browser js, json templates, sql migrations)
// are copied beside them. One exception: the `mine` command is also bundled over its own file (see below). esbuild only strips types: `npm run typecheck` is the type check. Runs at `npm install`
// (the `prepare` script, with --if-possible) and whenever `npm run build` is asked for; bin/govflow.mjs falls back
// to tsx while dist/ is missing or older than src/.
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
// `--out DIR` (a sibling of dist/, so paths relative to the repository root still hold) is for the build's own test.
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(root, 'dist');
// A fresh directory swapped in at the end: a process starting meanwhile sees the old build or the new one, whole.
const staging = `${dist}.building-${process.pid}`;
const startedAt = Date.now();

const sources = [];
const assets = [];
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = path.join(entry.parentPath ?? entry.path, entry.name);
  if (entry.name.endsWith('.test.ts') || entry.name.endsWith('.d.ts')) continue;
  (entry.name.endsWith('.ts') ? sources : assets).push(file);
}

rmSync(staging, { recursive: true, force: true });
try {
  const { build } = await import('esbuild');
  const common = { format: 'esm', platform: 'node', target: 'node20.10', sourcemap: true, sourcesContent: false, logLevel: process.argv.includes('--if-possible') ? 'silent' : 'warning' };
  await build({ ...common, entryPoints: sources, outdir: staging, outbase: src, bundle: false });
  // `mine` again, as one file with everything it imports from src/ (node_modules stays outside), over its per-file
  // build: loading the ~30 modules it reaches one by one was ~25 ms of a ~0.27 s `govflow mine` on a 41 MB CSV, the
  // bundle ~6 ms. It keeps its own copy of the kernel; GovflowError is branded so the CLI's handler still knows its
  // errors (src/kernel/errors.ts). Nothing in what it reaches finds files beside its own module (import.meta.url is
  // used only to resolve packages).
  await build({ ...common, entryPoints: [path.join(src, 'cli/commands/mine.ts')], outfile: path.join(staging, 'cli/commands/mine.js'), allowOverwrite: true, bundle: true, packages: 'external' });
  // The agency simulator (simulator/, beside src/) goes to dist/simulator/: its imports of ../src/<module>/ become
  // ../<module>/, the same modules compiled.
  const simulator = path.join(root, 'simulator');
  const simulatorSources = readdirSync(simulator).filter((f) => f.endsWith('.ts')).map((f) => path.join(simulator, f));
  const simulatorOut = await build({
    entryPoints: simulatorSources, outdir: path.join(staging, 'simulator'), outbase: simulator, write: false,
    format: 'esm', platform: 'node', target: 'node20.10', bundle: false, logLevel: 'silent',
  });
  for (const file of simulatorOut.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text.replace(/(from\s+|import\()(["'])\.\.\/src\//g, '$1$2../'));
  }
  for (const file of assets) {
    const to = path.join(staging, path.relative(src, file));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(file, to);
  }
  // bin/govflow.mjs compares this time with the newest file under src/: taken before reading, so an edit made
  // during the build still counts as newer.
  writeFileSync(path.join(staging, 'build.json'), `${JSON.stringify({ builtAt: startedAt, files: sources.length + simulatorSources.length, assets: assets.length })}\n`);
  const old = `${dist}.old-${process.pid}`;
  let hadOld = true;
  try {
    renameSync(dist, old);
  } catch {
    hadOld = false;
  }
  renameSync(staging, dist);
  if (hadOld) rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  // At `npm install` (--if-possible) a failed build must not fail the install: bin/govflow.mjs then runs the
  // TypeScript through tsx and says so.
  if (!process.argv.includes('--if-possible')) throw error;
  const first = error?.errors?.[0]?.text ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
  console.warn(`govflow build: not built (${first}); the CLI will run the TypeScript through tsx`);
  process.exit(0);
}
if (!process.argv.includes('--quiet')) {
  console.log(`govflow build: ${sources.length} modules, the agency simulator and ${assets.length} assets → ${path.relative(root, dist)}/ in ${((Date.now() - startedAt) / 1000).toFixed(2)} s`);
}
