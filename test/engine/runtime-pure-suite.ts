/**
 * The engine runtime's pure tests in one process, for `npm run mutate -- engine-runtime`: a mutant then costs one
 * node start instead of one per file (a few seconds each on a loaded machine). Not a *.test.ts file, so `npm test`
 * runs each file once on its own as usual.
 */
import './runtime-flows.test.js';
import './runtime-events.test.js';
import './runtime-compensation.test.js';
import './runtime-scopes.test.js';
import './runtime-timers.test.js';
import './runtime-execution.test.js';
