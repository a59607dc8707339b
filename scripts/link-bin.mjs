#!/usr/bin/env node
// Links node_modules/.bin/govflow to bin/govflow.mjs (run by `prepare`, after every `npm install` of the clone).
//
// Why not package.json's `bin`: npm 11 runs a package's *own* bin (`npx govflow` inside the clone) by installing the
// package into its npx cache, which loads the whole node_modules tree first (~0.3 s on an idle machine, seconds under
// load), while a command found in node_modules/.bin is run at once. govflow is not published (`private`), so the
// field served only that slow path; `npm link` users can link bin/govflow.mjs themselves.
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'govflow');
const target = path.relative(binDir, path.join(root, 'bin', 'govflow.mjs'));

function currentTarget() {
  try {
    return lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
  } catch {
    return undefined;
  }
}

try {
  const now = currentTarget();
  if (now !== target) {
    mkdirSync(binDir, { recursive: true });
    if (now !== undefined) unlinkSync(link);
    symlinkSync(target, link);
  }
} catch (error) {
  // An install must not fail over a convenience link: `node bin/govflow.mjs` does the same.
  console.warn(`govflow: could not link node_modules/.bin/govflow (${error instanceof Error ? error.message : String(error)}); run \`node bin/govflow.mjs\` instead of \`npx govflow\``);
}
