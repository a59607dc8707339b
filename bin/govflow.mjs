#!/usr/bin/env node
// The CLI as compiled JavaScript from dist/ (or the TypeScript through tsx while dist/ is older than the sources:
// see load-built.mjs). main() loads only the command asked for.
import { loadBuilt } from './load-built.mjs';

const { main } = await loadBuilt('cli/main.js', 'src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
