// The modules `npm run mutate -- <module>` knows: the files mutated and the narrowest test files that exercise them
// (chosen so that a run fits in an hour on a shared two-core machine; see docs/testing.md for the scores).
export const MUTATION_MODULES = {
  ledger: {
    mutate: ['src/ledger/**/*.ts', '!src/ledger/index.ts'],
    tests: ['test/ledger/ledger-tamper.test.ts', 'test/ledger/ledger.test.ts'],
  },
  'engine-runtime': {
    mutate: ['src/engine/runtime/**/*.ts'],
    tests: ['test/engine/runtime.test.ts', 'test/engine/gateways.test.ts', 'test/engine/activities.test.ts', 'test/engine/events.test.ts', 'test/engine/edges.test.ts', 'test/engine/subprocesses.test.ts'],
  },
  'decision-tables': {
    mutate: ['src/decisions/decision-table.ts', 'src/decisions/fast-unary.ts'],
    tests: ['test/decisions/decision-table-edges.test.ts', 'test/decisions/decision-tables.test.ts', 'test/decisions/feel-layer.test.ts'],
  },
  feel: {
    mutate: ['src/decisions/feel.ts', 'src/decisions/feel-rewrite.ts', 'src/decisions/feel-builtins.ts', 'src/decisions/values.ts'],
    tests: ['test/decisions/feel-layer.test.ts', 'test/decisions/decision-tables.test.ts', 'test/decisions/feel-properties.test.ts'],
  },
  identity: {
    mutate: ['src/identity/principal.ts'],
    // The checks on their own first (a second for all of them); department scope through HTTP. The authorisation
    // matrix (minutes per run: a server, every role signed in) reaches the same functions and is left out.
    tests: ['test/identity/principal.test.ts', 'test/identity/department-scope.test.ts'],
  },
  privacy: {
    mutate: ['src/privacy/access-log.ts'],
    tests: ['test/privacy/privacy.test.ts'],
  },
};
