// Shared by the bins: the compiled module in dist/ (built by `npm install` through the `prepare` script, or
// `npm run build`), or, while dist/ is missing or older than anything under src/ or simulator/, the TypeScript
// through tsx with a one-line notice, so a developer editing the sources is never served stale code and
// `npm run build` makes it fast again. Only node built-ins are loaded here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

function builtAt() {
  try {
    return JSON.parse(readFileSync(new URL('dist/build.json', root), 'utf8')).builtAt;
  } catch {
    return undefined;
  }
}

/**
 * The newest modification time under the source folders (files and directories, so added and deleted files count).
 * Paths are joined as strings: a URL per file made this check cost more than loading the command (≈ 25 ms of CPU for
 * 530 entries against ≈ 7 ms).
 */
function newestSource() {
  let newest = 0;
  for (const folder of ['src/', 'simulator/']) {
    const dir = fileURLToPath(new URL(folder, root));
    try {
      newest = Math.max(newest, statSync(dir).mtimeMs);
    } catch {
      continue; // no sources beside this bin: only dist/ can run
    }
    newest = Math.max(newest, newestUnder(dir));
  }
  return newest;
}

/**
 * The newest modification time of the entries below `dir`. A walk of its own: `readdirSync(dir, { recursive: true })`
 * cost ≈ 13 ms of CPU for these 550 entries (node 20 builds it in JavaScript), this walk ≈ 2 ms.
 */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, statSync(full).mtimeMs);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(full));
  }
  return newest;
}

/** Imports `dist/<compiled>` when the build is current, else `<source>` through tsx. */
export async function loadBuilt(compiled, source) {
  const built = builtAt();
  if (built !== undefined && newestSource() < built) return import(new URL(`dist/${compiled}`, root).href);
  process.stderr.write(`govflow: ${built === undefined ? 'no build in dist/' : 'the sources changed since the build in dist/'}; running the TypeScript through tsx (slower to start; \`npm run build\` compiles it)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(source, root).href);
}
