// StrykerJS configuration for `npm run mutate -- <module>` (scripts/mutate.mjs sets GOVFLOW_MUTATE_MODULE).
import { MUTATION_MODULES } from './scripts/mutation-modules.mjs';

const name = process.env.GOVFLOW_MUTATE_MODULE;
const mod = name ? MUTATION_MODULES[name] : undefined;
if (!mod) throw new Error(`run mutation testing through 'npm run mutate -- <module>' (one of: ${Object.keys(MUTATION_MODULES).join(', ')})`);

const runner = process.env.GOVFLOW_MUTATE_RUNNER ?? 'inprocess';
// `--tests` (GOVFLOW_MUTATE_TESTS) narrows the module's list for a slice.
const testFiles = process.env.GOVFLOW_MUTATE_TESTS ? process.env.GOVFLOW_MUTATE_TESTS.split(',') : mod.tests;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // The in-process node:test runner (scripts/stryker/node-test-runner.mjs) by default; `--runner tap` runs each test
  // file as its own `node --import tsx <file>` per mutant instead (Stryker's TAP runner), to cross-check a result.
  ...(runner === 'tap'
    ? {
        testRunner: 'tap',
        plugins: ['@stryker-mutator/tap-runner'],
        tap: {
          testFiles,
          // `node --import tsx <file>` runs a node:test file directly; --test-reporter=tap makes it print TAP.
          nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
          forceBail: true,
        },
      }
    : {
        testRunner: 'node-test-inprocess',
        plugins: ['./scripts/stryker/node-test-runner.mjs'],
        testRunnerNodeArgs: ['--import', 'tsx'],
        // A module whose tests are each independent of the others may say so (`independentTests`): a mutant then runs
        // only the tests that reach it, not their whole describe.
        nodeTestInProcess: { testFiles, wholeGroups: !mod.independentTests },
      }),
  mutate: mod.mutate,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.GOVFLOW_MUTATE_CONCURRENCY ?? 1),
  // A mutant's limit is 1.5 × its tests' time in the dry run + 30 s: enough for a loaded machine, while a mutant that
  // loops forever (a chunk loop that never advances) costs minutes, not the quarter hour a factor of 2 + 120 s gave.
  // In process, a mutant that hangs on a promise is the usual timeout (a loop is stopped by Stryker's hit limit first),
  // and the worker is restarted after it: 15 s there, unless the module sets its own (`timeoutMS`: feel).
  timeoutMS: runner === 'tap' ? 30_000 : (mod.timeoutMS ?? 15_000),
  timeoutFactor: 1.5,
  // The first run (every test file on the instrumented code, recording coverage) can take long on a loaded machine.
  dryRunTimeoutMinutes: 30,
  incremental: process.env.GOVFLOW_MUTATE_FULL !== '1',
  incrementalFile: `reports/mutation/${name}/incremental.json`,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${name}/report.json` },
  // One sandbox folder per module, so two modules' runs never clean up each other's.
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
  // Only what the tests need in the sandbox (node_modules is linked, not copied; the TCK test reads its floor from
  // docs/benchmarks.md).
  ignorePatterns: ['/*', '!/src', '!/test', '!/docs/benchmarks.md', '!/package.json', '!/tsconfig.json', '!/scripts', '!/services', '!/examples', '!/bin'],
  disableTypeChecks: 'src/**/*.ts',
  thresholds: { high: 90, low: 85, break: null },
};
