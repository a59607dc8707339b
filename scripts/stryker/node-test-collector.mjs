// node:test's describe/it/hooks, collected instead of run, so that one process can run the same tests again and
// again: once per mutant in `npm run mutate` (scripts/stryker/node-test-runner.mjs). node:test itself runs a file's
// tests once, when the file is imported, and Node 20 has no in-process `run()`; a node start per file and mutant
// cost more than most tests (seconds on a loaded machine). Only what the mutation modules' test files use is here:
// describe, it/test, before/after/beforeEach/afterEach, `skip` (option and `t.skip()`), `t.mock`, `t.after`,
// `t.diagnostic`; anything else fails the test with a message that names it instead of passing silently.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const nodeTest = require('node:test');
const MockTracker = nodeTest.mock.constructor;

/**
 * @typedef {{ kind: 'suite', name: string, parent: Suite | undefined, children: Array<Suite | Case>, skip: string | false,
 *   before: Function[], after: Function[], beforeEach: Function[], afterEach: Function[], hookId: string, pending: Promise<unknown>[] }} Suite
 * @typedef {{ kind: 'case', name: string, id: string, parent: Suite, fn: Function | undefined, skip: string | false, file: string }} Case
 * @typedef {{ id: string, name: string, file: string, status: 'passed' | 'failed' | 'skipped', failure?: string, ms: number }} CaseResult
 */

/** @returns {Suite} */
function newSuite(name, parent, skip) {
  const hookId = parent ? `${parent.hookId} > ${name}` : `hooks of ${name}`;
  return { kind: 'suite', name, parent, children: [], skip, before: [], after: [], beforeEach: [], afterEach: [], hookId, pending: [] };
}

// node:test's signatures: (name?, options?, fn?) in any of the shapes it accepts.
function parseArgs(args) {
  let name = '<anonymous>';
  let options = {};
  let fn;
  for (const arg of args) {
    if (typeof arg === 'string') name = arg;
    else if (typeof arg === 'function') fn = arg;
    else if (arg && typeof arg === 'object') options = arg;
  }
  if (typeof args[0] === 'function' && args[0].name) name = args[0].name;
  const skip = options.skip ? (typeof options.skip === 'string' ? options.skip : 'skipped') : options.todo ? 'todo' : false;
  return { name, fn, skip };
}

export class TestCollection {
  /** @type {Suite[]} */
  roots = [];
  /** @type {Suite | undefined} */
  current;
  /** @type {Map<string, Case>} */
  byId = new Map();
  /** @type {Set<string>} */
  loadedFiles = new Set();
  // The suite an async describe body belongs to, after its first await (when `current` has moved on).
  #inSuite = new AsyncLocalStorage();

  /** Replaces node:test's exports (the CJS object and, through syncBuiltinESMExports, the ESM bindings) with ours. */
  install() {
    const self = this;
    const describe = (...args) => self.#describe(args, false);
    describe.skip = (...args) => self.#describe(args, 'skipped');
    describe.todo = (...args) => self.#describe(args, 'todo');
    describe.only = describe;
    const it = (...args) => self.#it(args, false);
    it.skip = (...args) => self.#it(args, 'skipped');
    it.todo = (...args) => self.#it(args, 'todo');
    it.only = it;
    const hook = (kind) => (fn) => self.#scope(kind)[kind].push(fn);
    Object.assign(nodeTest, {
      describe, suite: describe, it, test: it,
      before: hook('before'), after: hook('after'), beforeEach: hook('beforeEach'), afterEach: hook('afterEach'),
    });
    syncBuiltinESMExports();
  }

  /** Imports each test file once; their describe/it calls land here. */
  async load(files) {
    for (const file of files) {
      if (this.loadedFiles.has(file)) continue;
      this.loadedFiles.add(file);
      const root = newSuite(file, undefined, false);
      this.roots.push(root);
      this.current = root;
      try {
        await import(pathToFileURL(path.resolve(file)).href);
        await this.#settle(root);
      } finally {
        this.current = undefined;
      }
    }
  }

  // An async describe body registers its children after its first await; wait for all of them.
  async #settle(suite) {
    while (suite.pending.length > 0) await suite.pending.shift();
    for (const child of suite.children) if (child.kind === 'suite') await this.#settle(child);
  }

  #scope(what) {
    const suite = this.#inSuite.getStore() ?? this.current;
    if (suite) return suite;
    throw new Error(`node:test ${what}() called outside a test file being loaded (after the file's import finished)`);
  }

  #describe(args, skipped) {
    const parent = this.#scope('describe');
    const { name, fn, skip } = parseArgs(args);
    const suite = newSuite(name, parent, skipped || skip);
    parent.children.push(suite);
    if (!fn) return;
    this.current = suite;
    try {
      const result = this.#inSuite.run(suite, fn);
      if (result && typeof result.then === 'function') parent.pending.push(result);
    } finally {
      this.current = parent;
    }
  }

  #it(args, skipped) {
    const parent = this.#scope('it');
    const { name, fn, skip } = parseArgs(args);
    let file = parent;
    const names = [name];
    for (let s = parent; s; s = s.parent) {
      if (s.parent) names.unshift(s.name);
      file = s;
    }
    let id = `${file.name} > ${names.join(' > ')}`;
    for (let n = 2; this.byId.has(id); n++) id = `${file.name} > ${names.join(' > ')} #${n}`;
    const testCase = { kind: 'case', name, id, parent, fn, skip: skipped || skip, file: file.name };
    this.byId.set(id, testCase);
    parent.children.push(testCase);
  }

  /** Every test id, in the order the tests were registered (an async describe's come after the file's others). */
  ids() {
    return [...this.byId.keys()];
  }

  /**
   * The tests to run for a filter: every test of each top-level group (a file's top-level describe, or the file's
   * own top-level tests) that holds a test in the filter. Tests in a group may build on the ones before them (the
   * ledger's steps share one ledger and run in order), so a test is never run without those before it.
   * @param {Iterable<string>} ids
   */
  expandToGroups(ids) {
    const wanted = new Set(ids);
    const out = new Set();
    for (const root of this.roots) {
      const groups = [root.children.filter((c) => c.kind === 'case'), ...root.children.filter((c) => c.kind === 'suite').map(casesUnder)];
      for (const group of groups) if (group.some((c) => wanted.has(c.id))) for (const c of group) out.add(c.id);
    }
    return out;
  }

  /** The ids of the tests under a suite's hooks, for attributing what its before/after hooks reach. */
  testsUnderHooks() {
    /** @type {Map<string, string[]>} */
    const map = new Map();
    const walk = (suite) => {
      const ids = [];
      for (const child of suite.children) ids.push(...(child.kind === 'case' ? [child.id] : walk(child)));
      map.set(suite.hookId, ids);
      return ids;
    };
    for (const root of this.roots) walk(root);
    return map;
  }

  /**
   * Runs the tests (all, or those in `only`), each suite's before/after hooks once around the tests of it that run.
   * `setCurrent(id | undefined)` is told which test (or, for a suite's hooks, the suite's hookId) is about to run, so
   * that coverage can be attributed. With `bail`, the first failure ends the run (after hooks still run: they close
   * databases).
   * @param {{ only?: Set<string>, bail: boolean, setCurrent: (id: string | undefined) => void }} options
   * @returns {Promise<CaseResult[]>}
   */
  async run({ only, bail, setCurrent }) {
    /** @type {CaseResult[]} */
    const results = [];
    const state = { stop: false };
    const errors = new AsyncErrors();
    errors.attach();
    try {
      for (const root of this.roots) {
        if (state.stop) break;
        await this.#runSuite(root, { only, bail, setCurrent, results, state, errors, eachChain: { before: [], after: [] } });
      }
    } finally {
      setCurrent(undefined);
      errors.detach();
    }
    return results;
  }

  async #runSuite(suite, ctx) {
    const selected = (s) => s.children.some((c) => (c.kind === 'case' ? !ctx.only || ctx.only.has(c.id) : selected(c)));
    if (!selected(suite)) return;
    const eachChain = { before: [...ctx.eachChain.before, ...suite.beforeEach], after: [...suite.afterEach, ...ctx.eachChain.after] };
    let hookFailure;
    if (!suite.skip) {
      ctx.setCurrent(suite.hookId);
      for (const fn of suite.before) {
        hookFailure ??= await runFn(fn, undefined, ctx.errors);
        if (hookFailure) break;
      }
    }
    for (const child of suite.children) {
      if (ctx.state.stop) break;
      if (child.kind === 'suite') {
        if (suite.skip) continue;
        if (hookFailure) {
          for (const c of casesUnder(child)) if (!ctx.only || ctx.only.has(c.id)) ctx.results.push(failed(c, `before hook of '${suite.name}': ${hookFailure}`, 0));
          continue;
        }
        await this.#runSuite(child, { ...ctx, eachChain });
        continue;
      }
      if (ctx.only && !ctx.only.has(child.id)) continue;
      const result = suite.skip || child.skip || !child.fn
        ? { id: child.id, name: child.id, file: child.file, status: 'skipped', ms: 0 }
        : hookFailure
          ? failed(child, `before hook of '${suite.name}': ${hookFailure}`, 0)
          : await runCase(child, eachChain, ctx);
      ctx.results.push(result);
      if (result.status === 'failed' && ctx.bail) ctx.state.stop = true;
    }
    if (!suite.skip) {
      ctx.setCurrent(suite.hookId);
      for (const fn of suite.after) {
        const failure = await runFn(fn, undefined, ctx.errors);
        if (failure && ctx.results.length > 0) {
          // An after hook that throws fails the suite in node:test; here the last test of it carries the failure.
          const last = ctx.results.at(-1);
          if (last.status !== 'failed') ctx.results[ctx.results.length - 1] = failed({ id: last.id, file: last.file }, `after hook of '${suite.name}': ${failure}`, last.ms);
        }
      }
    }
  }
}

function casesUnder(suite) {
  return suite.children.flatMap((c) => (c.kind === 'case' ? [c] : casesUnder(c)));
}

function failed(testCase, message, ms) {
  return { id: testCase.id, name: testCase.id, file: testCase.file, status: 'failed', failure: message, ms };
}

async function runCase(testCase, eachChain, ctx) {
  ctx.setCurrent(testCase.id);
  const started = performance.now();
  const context = new CaseContext(testCase);
  let failure;
  for (const fn of eachChain.before) {
    failure ??= await runFn(fn, context, ctx.errors);
    if (failure) break;
  }
  if (!failure) failure = await runFn(testCase.fn, context, ctx.errors);
  for (const fn of eachChain.after) failure ??= await runFn(fn, context, ctx.errors);
  for (const fn of context.afterFns.reverse()) failure ??= await runFn(fn, context, ctx.errors);
  context.mock.reset();
  const ms = performance.now() - started;
  if (failure) return failed(testCase, failure, ms);
  return { id: testCase.id, name: testCase.id, file: testCase.file, status: context.skipped ? 'skipped' : 'passed', ms };
}

// The test context a test function receives (node:test's TestContext, the part our tests use).
class CaseContext {
  skipped = false;
  /** @type {Function[]} */
  afterFns = [];
  constructor(testCase) {
    this.name = testCase.name;
    this.mock = new MockTracker();
    this.signal = new AbortController().signal;
  }
  skip() {
    this.skipped = true;
  }
  todo() {
    this.skipped = true;
  }
  diagnostic() {}
  after(fn) {
    this.afterFns.push(fn);
  }
  test() {
    throw new Error('subtests (t.test) are not supported by the in-process mutation runner: use describe/it');
  }
  plan() {
    throw new Error('t.plan is not supported by the in-process mutation runner');
  }
}

// Runs a test or hook function (promise or callback style); returns the failure message, or undefined.
async function runFn(fn, context, errors) {
  errors.begin();
  try {
    if (fn.length >= 2) {
      await new Promise((resolve, reject) => {
        fn(context, (err) => (err ? reject(err) : resolve()));
      });
    } else {
      await fn(context);
    }
    // A rejection or exception from work the test started but did not await, seen while it ran, fails it.
    await new Promise((resolve) => setImmediate(resolve));
    const stray = errors.end();
    return stray ? describeError(stray) : undefined;
  } catch (err) {
    errors.end();
    return describeError(err);
  }
}

function describeError(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

// Uncaught exceptions and unhandled rejections while tests run belong to the test that is running: node:test fails
// it. Without these handlers the worker would die and Stryker would report an error for the mutant, not a kill.
class AsyncErrors {
  /** @type {unknown} */
  #first;
  #onError = (err) => {
    this.#first ??= err;
  };
  attach() {
    process.on('uncaughtException', this.#onError);
    process.on('unhandledRejection', this.#onError);
  }
  detach() {
    process.off('uncaughtException', this.#onError);
    process.off('unhandledRejection', this.#onError);
  }
  begin() {
    this.#first = undefined;
  }
  end() {
    const first = this.#first;
    this.#first = undefined;
    return first;
  }
}
