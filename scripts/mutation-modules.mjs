// The modules `npm run mutate -- <module>` knows: the files mutated and the narrowest test files that exercise them
// (chosen so that a run fits in an hour on a shared two-core machine; see docs/testing.md for the scores).
export const MUTATION_MODULES = {
  ledger: {
    mutate: ['src/ledger/**/*.ts', '!src/ledger/index.ts'],
    // The proof verifiers without a database first (a second), then the database-backed files: the API's returns and
    // refusals on one small ledger (a few seconds), verify's report and chunking (a second), the sealer's edges (a
    // transaction in flight, a failing tick: a few seconds), tampering, the whole scenario.
    tests: [
      'test/ledger/merkle-proofs.test.ts',
      'test/ledger/ledger-api.test.ts',
      'test/ledger/ledger-verify.test.ts',
      'test/ledger/ledger-sealer.test.ts',
      'test/ledger/ledger-tamper.test.ts',
      'test/ledger/ledger.test.ts',
    ],
  },
  'engine-runtime': {
    mutate: ['src/engine/runtime/**/*.ts'],
    // The runtime is pure (applyCommand: model, state and command in, events and effects out), so only pure tests:
    // runtime-pure-suite.ts runs the flow rules, events and activities, compensation with task listeners and
    // conditional events, scopes and execution listeners, and timer arithmetic in one process (~3 s; a node start
    // per file cost more than the tests on a loaded machine), then the recorded replays (twelve real histories,
    // ~15 s). The engine's database-backed suites reach the same code through the store, at 1–2 minutes per file
    // and mutant on this machine.
    tests: ['test/engine/runtime-pure-suite.ts', 'test/engine/replay.test.ts'],
  },
  'decision-tables': {
    mutate: ['src/decisions/decision-table.ts', 'src/decisions/fast-unary.ts'],
    tests: ['test/decisions/fast-unary.test.ts', 'test/decisions/decision-table-edges.test.ts', 'test/decisions/decision-table-compile.test.ts', 'test/decisions/decision-tables.test.ts', 'test/decisions/feel-layer.test.ts'],
  },
  feel: {
    mutate: ['src/decisions/feel.ts', 'src/decisions/feel-rewrite.ts', 'src/decisions/feel-builtins.ts', 'src/decisions/values.ts'],
    // The DMN TCK (shared data: GOVFLOW_SHARED_DATA points the sandbox at ../shared/data) reaches most of FEEL, one
    // test per TCK folder (~10 ms each), so a mutant runs only the folders whose cases reach it.
    // Then stop 22's pure files, one per part of the layer, written against the survivors of its first run.
    tests: [
      'test/decisions/feel-layer.test.ts',
      'test/decisions/decision-tables.test.ts',
      'test/decisions/feel-properties.test.ts',
      'test/decisions/tck.test.ts',
      'test/decisions/feel-compile.test.ts',
      'test/decisions/feel-values.test.ts',
      'test/decisions/feel-rewrite-arithmetic.test.ts',
      'test/decisions/feel-rewrite-syntax.test.ts',
      'test/decisions/feel-builtins.test.ts',
      'test/decisions/feel-rewrite-compare.test.ts',
    ],
    // Pure tests, each building its own inputs: a mutant runs only the tests that reach it. With whole describes, a
    // mutant reached by one FEEL property ran all of them (~20 s), and the module took well over an hour.
    independentTests: true,
    // A FEEL mutant that loops (a `for`, a sequence, a regex) is stopped after 1.5 × its tests' dry-run time + this;
    // the tests take milliseconds to a few seconds, so 5 s is ample. With the default 15 s, the 124 timeouts of the
    // first run with the TCK cost ~20 s each with the worker's restart, a third of the run.
    timeoutMS: 5_000,
  },
  identity: {
    mutate: ['src/identity/principal.ts'],
    // The checks on their own first (a second for all of them); department scope through HTTP. The authorisation
    // matrix (minutes per run: a server, every role signed in) reaches the same functions and is left out.
    tests: ['test/identity/principal.test.ts', 'test/identity/department-scope.test.ts'],
  },
  privacy: {
    mutate: ['src/privacy/access-log.ts'],
    // The access log on its own: its input checks without a database (seconds per mutant), then what it stores (one
    // PGlite database, no server). privacy.test.ts reaches the same functions through a server and a property test
    // over HTTP, minutes per mutant at niceness 19, and is left out.
    tests: ['test/privacy/access-log-checks.test.ts', 'test/privacy/access-log.test.ts'],
  },
};
