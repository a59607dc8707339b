// A StrykerJS test runner for node:test files that keeps one process and its loaded modules for many mutants, as
// Stryker's mocha and jasmine runners do: the sources are instrumented with every mutant behind a switch
// (`__stryker__.activeMutant`), so a mutant is a global to set, not a new process. The TAP runner this replaces
// started `node --import tsx <file>` per file and mutant: with the engine's imports, ~0.7 s of CPU before the first
// test, and a PGlite database to start for the ledger's. Coverage is recorded per test (hooks count for every test
// under them), so a mutant runs only the tests that reach it, with the rest of their top-level group: tests in a
// describe may build on the ones before them, and one run alone would fail for that, not for the mutant.
//
// Mutants in code that runs when a module loads (static mutants) need a fresh process: the runner says it cannot
// reload (`reloadEnvironment: false`), and Stryker then starts a new worker for each such mutant, where the mutant is
// switched on before the test files are imported. Stryker also restarts a worker whose mutant timed out.
//
// A test that passes once but fails when run again in the same process would turn every later mutant into a false
// kill, so the dry run runs every test twice and stops with the names of those that fail the second time.
import { commonTokens, declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';
import { determineHitLimitReached, DryRunStatus, MutantRunStatus, TestStatus, toMutantRunResult } from '@stryker-mutator/api/test-runner';
import { TestCollection } from './node-test-collector.mjs';

const NAMESPACE = '__stryker__';

function namespace() {
  // The instrumented files keep a reference to this object the first time they run: fill it, never replace it.
  const ns = (globalThis[NAMESPACE] ??= {});
  ns.mutantCoverage ??= { static: {}, perTest: {} };
  return ns;
}

export class NodeTestInProcessRunner {
  static inject = [commonTokens.options, commonTokens.logger];
  #files;
  #log;
  #tests = new TestCollection();
  #loaded = false;
  #wholeGroups;

  constructor(options, log) {
    this.#files = options.nodeTestInProcess?.testFiles ?? [];
    this.#wholeGroups = options.nodeTestInProcess?.wholeGroups ?? true;
    this.#log = log;
  }

  capabilities() {
    return { reloadEnvironment: false };
  }

  async init() {
    if (this.#files.length === 0) throw new Error('nodeTestInProcess.testFiles lists no test files');
    namespace();
    this.#tests.install();
  }

  async #load() {
    if (this.#loaded) return;
    this.#loaded = true;
    await this.#tests.load(this.#files);
  }

  async dryRun(options) {
    const ns = namespace();
    ns.activeMutant = undefined;
    ns.hitCount = undefined;
    ns.hitLimit = undefined;
    try {
      await this.#load();
      const coverage = ns.mutantCoverage;
      coverage.perTest = {};
      const results = await this.#tests.run({ bail: false, setCurrent: (id) => (ns.currentTestId = id) });
      // What loading the files reached (static), and per test; the second run's coverage is not wanted.
      const { static: staticCoverage, perTest } = coverage;
      coverage.static = {};
      coverage.perTest = {};
      const again = await this.#tests.run({ bail: false, setCurrent: () => undefined });
      coverage.static = {};
      const unstable = again.filter((r, i) => r.status === 'failed' && results[i]?.status !== 'failed');
      if (unstable.length > 0) {
        return {
          status: DryRunStatus.Error,
          errorMessage: `these tests pass once but fail when run again in the same process, so the in-process runner cannot use them: ${unstable.map((r) => `${r.id} (${r.failure})`).join('; ')}`,
        };
      }
      return {
        status: DryRunStatus.Complete,
        tests: results.map(toTestResult),
        mutantCoverage: options.coverageAnalysis === 'off' ? undefined : this.#attribute(staticCoverage, perTest, options.coverageAnalysis),
      };
    } catch (err) {
      return { status: DryRunStatus.Error, errorMessage: `loading the test files failed: ${err instanceof Error ? err.stack : String(err)}` };
    }
  }

  // A suite's before/after hooks run whenever any test under it does: what they reach counts for each of those tests.
  #attribute(staticCoverage, perTest, analysis) {
    const underHooks = this.#tests.testsUnderHooks();
    const byTest = {};
    for (const id of this.#tests.ids()) byTest[id] = {};
    for (const [id, hits] of Object.entries(perTest)) {
      const targets = underHooks.get(id) ?? [id];
      for (const target of targets) {
        const into = (byTest[target] ??= {});
        for (const [mutant, n] of Object.entries(hits)) into[mutant] = (into[mutant] ?? 0) + n;
      }
    }
    if (analysis === 'all') {
      const all = { ...staticCoverage };
      for (const hits of Object.values(byTest)) for (const [mutant, n] of Object.entries(hits)) all[mutant] = (all[mutant] ?? 0) + n;
      return { static: all, perTest: {} };
    }
    return { static: { ...staticCoverage }, perTest: byTest };
  }

  async mutantRun(options) {
    const ns = namespace();
    ns.currentTestId = undefined;
    if (options.mutantActivation === 'static') ns.activeMutant = options.activeMutant.id;
    try {
      await this.#load();
    } catch (err) {
      const message = `loading the test files failed: ${err instanceof Error ? err.message : String(err)}`;
      // With the mutant switched on while the files load (a static mutant), a file that cannot load fails on the
      // mutant, as it would fail under node --test: killed. Without it, the environment is broken: an error.
      if (options.mutantActivation === 'static') return { status: MutantRunStatus.Killed, failureMessage: message, killedBy: [], nrOfTests: 0 };
      return toMutantRunResult({ status: DryRunStatus.Error, errorMessage: message });
    }
    ns.activeMutant = options.activeMutant.id;
    ns.hitLimit = options.hitLimit;
    ns.hitCount = options.hitLimit === undefined ? undefined : 0;
    let results;
    try {
      results = await this.#tests.run({ only: options.testFilter ? (this.#wholeGroups ? this.#tests.expandToGroups(options.testFilter) : new Set(options.testFilter)) : undefined, bail: !options.disableBail, setCurrent: () => undefined });
    } finally {
      ns.activeMutant = undefined;
    }
    const hitLimitReached = determineHitLimitReached(ns.hitCount, options.hitLimit);
    ns.hitCount = undefined;
    ns.hitLimit = undefined;
    ns.mutantCoverage.static = {};
    ns.mutantCoverage.perTest = {};
    if (hitLimitReached) return toMutantRunResult(hitLimitReached);
    if (this.#log.isTraceEnabled()) this.#log.trace(`mutant ${options.activeMutant.id}: ${results.filter((r) => r.status === 'failed').length} failed of ${results.length}`);
    return toMutantRunResult({ status: DryRunStatus.Complete, tests: results.map(toTestResult) });
  }
}

function toTestResult(result) {
  const base = { id: result.id, name: result.name, fileName: result.file, timeSpentMs: Math.round(result.ms) };
  if (result.status === 'failed') return { ...base, status: TestStatus.Failed, failureMessage: result.failure ?? 'failed' };
  if (result.status === 'skipped') return { ...base, status: TestStatus.Skipped };
  return { ...base, status: TestStatus.Success };
}

// The option this runner adds to Stryker's configuration (Stryker warns about options no plugin declares).
export const strykerValidationSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    nodeTestInProcess: {
      type: 'object',
      properties: {
        testFiles: { type: 'array', items: { type: 'string' }, description: 'node:test files to load, in order' },
        wholeGroups: { type: 'boolean', description: 'run every test of a top-level group that holds a test reaching the mutant (default), or only those tests' },
      },
      additionalProperties: false,
    },
  },
};

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, 'node-test-inprocess', NodeTestInProcessRunner)];
