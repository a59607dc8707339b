/**
 * The in-process runner `npm run mutate` uses (scripts/stryker/node-test-collector.mjs): it collects a node:test
 * file's describe/it/hooks and runs them again and again in one process. A wrong status here would be a false kill or
 * a false survivor in every mutation score, so it is checked on a node:test file written for the purpose, in a child
 * process (the collector replaces node:test's exports in the process it runs in).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const collector = pathToFileURL(path.resolve('scripts/stryker/node-test-collector.mjs')).href;

const FIXTURE = `
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
const log = (globalThis.hookLog ??= []);
before(() => log.push('file before'));
after(() => log.push('file after'));
it('top passes', () => {});
describe('steps', () => {
  let n = 0;
  before(() => { n = 0; log.push('steps before'); });
  after(() => log.push('steps after'));
  beforeEach(() => log.push('each before'));
  afterEach(() => log.push('each after'));
  it('first', () => { n += 1; });
  it('second builds on first', () => { if (n !== 1) throw new Error('first did not run before me'); });
  it('fails', () => { throw new Error('boom'); });
  it('skipped by option', { skip: 'not today' }, () => { throw new Error('a skipped test ran'); });
  it('skipped inside', (t) => t.skip('later'));
  it('after the failure', () => {});
});
describe('async body', async () => {
  await null;
  it('registered after an await', () => {});
});
it('a rejection it does not await fails it', () => { void Promise.reject(new Error('stray')); });
it('callback style', (t, done) => { setTimeout(done, 1); });
it('callback style failing', (t, done) => { setTimeout(() => done(new Error('late')), 1); });
it('mocks the clock', (t) => { t.mock.timers.enable({ apis: ['Date'], now: 0 }); if (Date.now() !== 0) throw new Error('not mocked'); });
it('has the real clock again', () => { if (Date.now() < 1e12) throw new Error('the clock is still mocked'); });
it('runs t.after', (t) => { t.after(() => log.push('t.after')); });
`;

const DRIVER = `
import { TestCollection } from ${JSON.stringify(collector)};
const file = process.argv[2];
const tests = new TestCollection();
tests.install();
await tests.load([file]);
const statuses = (results) => Object.fromEntries(results.map((r) => [r.id.split(' > ').slice(1).join(' > '), r.failure ? r.status + ': ' + r.failure : r.status]));
const current = [];
const first = await tests.run({ bail: false, setCurrent: (id) => current.push(id) });
const logAfterFirst = [...globalThis.hookLog];
const second = await tests.run({ bail: false, setCurrent: () => undefined });
const stepTwo = tests.ids().find((id) => id.endsWith('second builds on first'));
const group = [...tests.expandToGroups([stepTwo])];
const filtered = await tests.run({ only: new Set(group), bail: false, setCurrent: () => undefined });
globalThis.hookLog.length = 0;
const bailed = await tests.run({ bail: true, setCurrent: () => undefined });
const hooks = Object.fromEntries([...tests.testsUnderHooks()].map(([k, v]) => [k, v.length]));
console.log(JSON.stringify({ ids: tests.ids(), first: statuses(first), second: statuses(second), group, filtered: statuses(filtered), bailed: statuses(bailed), bailLog: globalThis.hookLog, logAfterFirst, current, hooks }));
`;

describe('the mutation runner’s node:test collector', () => {
  let dir: string;
  let out: {
    ids: string[];
    first: Record<string, string>;
    second: Record<string, string>;
    group: string[];
    filtered: Record<string, string>;
    bailed: Record<string, string>;
    bailLog: string[];
    logAfterFirst: string[];
    current: (string | null)[];
    hooks: Record<string, number>;
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'govflow-collector-'));
    writeFileSync(path.join(dir, 'fixture.test.mjs'), FIXTURE);
    writeFileSync(path.join(dir, 'driver.mjs'), DRIVER);
    out = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'driver.mjs'), path.join(dir, 'fixture.test.mjs')], { encoding: 'utf8' }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each test the status node:test would', () => {
    assert.deepEqual(out.first, {
      'top passes': 'passed',
      'steps > first': 'passed',
      'steps > second builds on first': 'passed',
      'steps > fails': 'failed: Error: boom',
      'steps > skipped by option': 'skipped',
      'steps > skipped inside': 'skipped',
      'steps > after the failure': 'passed',
      'async body > registered after an await': 'passed',
      'a rejection it does not await fails it': 'failed: Error: stray',
      'callback style': 'passed',
      'callback style failing': 'failed: Error: late',
      'mocks the clock': 'passed',
      'has the real clock again': 'passed',
      'runs t.after': 'passed',
    });
  });

  it('runs hooks around the tests of their suite, once per run', () => {
    const log = out.logAfterFirst;
    assert.equal(log[0], 'file before');
    assert.equal(log.at(-1), 'file after');
    assert.equal(log.filter((l) => l === 'steps before').length, 1);
    assert.ok(log.indexOf('steps after') > log.lastIndexOf('each after'), 'a suite’s after hook runs after its last test');
    // beforeEach/afterEach around the steps that run (the option-skipped one runs neither).
    assert.equal(log.filter((l) => l === 'each before').length, 5);
    assert.ok(log.includes('t.after'));
  });

  it('runs the same tests again in the same process with the same results', () => {
    assert.deepEqual(out.second, out.first);
  });

  it('runs a filtered test with the rest of its top-level group, so a step never runs without those before it', () => {
    assert.deepEqual(out.group.map((id) => id.split(' > ').slice(1).join(' > ')), [
      'steps > first',
      'steps > second builds on first',
      'steps > fails',
      'steps > skipped by option',
      'steps > skipped inside',
      'steps > after the failure',
    ]);
    assert.equal(out.filtered['steps > second builds on first'], 'passed');
    assert.equal(out.filtered['top passes'], undefined, 'a test of another group does not run');
  });

  it('stops at the first failure when bailing, and still runs the after hooks', () => {
    assert.deepEqual(Object.keys(out.bailed), ['top passes', 'steps > first', 'steps > second builds on first', 'steps > fails']);
    assert.ok(out.bailLog.includes('steps after') && out.bailLog.at(-1) === 'file after', out.bailLog.join(', '));
  });

  it('tells which test or which suite’s hooks are running, for coverage per test', () => {
    const file = out.ids[0]!.split(' > ')[0]!;
    assert.equal(out.current[0], `hooks of ${file}`);
    assert.ok(out.current.includes(`hooks of ${file} > steps`));
    for (const id of out.ids.filter((i) => !i.includes('skipped by option'))) assert.ok(out.current.includes(id), `${id} was announced`);
    assert.equal(out.hooks[`hooks of ${file}`], out.ids.length);
    assert.equal(out.hooks[`hooks of ${file} > steps`], 6);
    assert.equal(new Set(out.ids).size, out.ids.length, 'test ids are unique');
  });
});
