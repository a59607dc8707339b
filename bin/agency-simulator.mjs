#!/usr/bin/env node
// The agency simulator (another agency's registries, for the demo and tests), compiled in dist/ like the CLI.
import { loadBuilt } from './load-built.mjs';

const { main } = await loadBuilt('simulator/agency-simulator.js', 'simulator/agency-simulator.ts');
await main();
