/** The CLI: `main` is what bin/govflow.mjs runs (through src/cli/main.ts, which loads only the command asked for). */
export { main } from './main.js';
export type { Command } from './command.js';
/** The one argument parser of every command, for its tests. */
export { choiceFlag, numberFlag, parseCommandArgs } from './args.js';
/** The composition root, for tests that need the whole server as `govflow serve` runs it (the authorisation matrix). */
export { openGovflow, publishedServices, startServer } from './compose.js';
export { decisionLetters } from './decision-letters.js';
export type { Govflow } from './compose.js';
/** `bench web`'s flag parser and load generator, for its tests. */
export { generateLoad, parseWebBenchArgs, STATUS_PAGE_GOAL, translationLoss } from './commands/bench-web.js';
export type { LoadSpec, TargetResult, WebBenchOptions, WebBenchResult } from './commands/bench-web.js';
export { caseSearchPaths, seedCaseSearch } from './commands/bench-web-search.js';
export { buildingPermitViaExchange, DEMO_CITY_MEMBER, DEMO_FIRE_MEMBER, FIRE_SERVICE_CATALOGUE, joinDemoPair } from './demo-exchange.js';
