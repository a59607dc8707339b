#!/usr/bin/env node
// The CLI as compiled JavaScript (dist/, built by `npm install` through the `prepare` script, or `npm run build`).
// While dist/ is missing or older than anything under src/, the TypeScript runs through tsx instead, with a
// one-line notice: a developer editing src/ is never served stale code, and `npm run build` makes it fast again.
// Only node built-ins are loaded before main(); main() loads only the command asked for.
import { readdirSync, readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function builtAt() {
  try {
    return JSON.parse(readFileSync(new URL('dist/build.json', root), 'utf8')).builtAt;
  } catch {
    return undefined;
  }
}

/** The newest modification time under src/ (files and directories, so added and deleted files count too). */
function newestSource() {
  const src = new URL('src/', root);
  let newest;
  try {
    newest = statSync(src).mtimeMs;
  } catch {
    return 0; // no sources beside this bin: only dist/ can run
  }
  for (const entry of readdirSync(src, { recursive: true })) newest = Math.max(newest, statSync(new URL(entry, src)).mtimeMs);
  return newest;
}

const built = builtAt();
let main;
if (built !== undefined && newestSource() < built) {
  ({ main } = await import(new URL('dist/cli/main.js', root).href));
} else {
  process.stderr.write(`govflow: ${built === undefined ? 'no build in dist/' : 'src/ changed since the build in dist/'}; running the TypeScript through tsx (slower to start; \`npm run build\` compiles it)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('src/cli/main.ts', root).href));
}
process.exitCode = await main(process.argv.slice(2));
