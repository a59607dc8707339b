/**
 * The engine runtime's pure tests, the files `npm run mutate -- engine-runtime` loads (with the in-process runner,
 * once per worker). Not a *.test.ts file, so `npm test` runs each file once on its own as usual.
 */
import './runtime-flows.test.js';
import './runtime-events.test.js';
import './runtime-compensation.test.js';
import './runtime-scopes.test.js';
import './runtime-timers.test.js';
import './runtime-step-flow.test.js';
import './runtime-conditions.test.js';
import './runtime-execution.test.js';
import './runtime-semantics.test.js';
import './runtime-activation.test.js';
