#!/usr/bin/env node
// The agency simulator (another agency's registries, for the demo and tests), TypeScript run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../simulator/agency-simulator.ts');
await main();
