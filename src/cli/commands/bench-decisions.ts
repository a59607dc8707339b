/**
 * `govflow bench decisions [--json] [--seconds S] [--compare-build <checkout dir>]`: decision evaluations per second, one core, in-process.
 *
 * Scenarios:
 * - `table-10-F`: the first 10 rules of that table, hit policy FIRST (a single-hit table of the size issue 24 sets
 *   its goal for: ≥ 1,000,000 evaluations/s on one core);
 * - `table-F` and `table-C+`: a 20-rule, 5-input decision table (ranges, comparisons, string lists, booleans,
 *   don't-cares) with hit policy FIRST and COLLECT SUM, through the public `evaluateDecision`;
 * - `drg-3-level`: a three-level decision requirements graph (two tables feeding a literal expression feeding a
 *   table) evaluated from its top decision.
 * Two baselines, both measured in the same run on the same inputs, both checked to give the same answers first:
 * - `feelin-unaryTest-per-entry`: every rule's input entries tested with feelin's `unaryTest(text, context)` on
 *   every evaluation. feelin parses the text on each call (its public API has no compiled form), so this is an
 *   interpreter with no compile step, the weakest reasonable baseline, and named as such.
 * - `feelin-compiled-function`: the decision written as one FEEL function (rules as an if-chain, COLLECT SUM as a
 *   filtered sum, the graph as a context), parsed by feelin once with `evaluate()` and invoked per evaluation: how
 *   a user of feelin evaluates a decision without re-parsing it.
 * `ratio` is our evaluations per second over the baseline's. The machine load is printed before and after.
 *
 * Our figure is `compileDecision` (issue 24 acceptance 3: the decision compiled at deploy time, value only, as a
 * process step or API evaluates it); `explainedEvaluationsPerSecond` is the public `evaluateDecision` on the same
 * inputs (JSON in and out plus the explanation trace), measured in the same run. `--compare-build <dir>` also
 * measures `evaluateDecision` of another checkout's src/decisions (for instance the double-based build, b3796e8,
 * in a git worktree) on the same models and inputs, as `otherBuild`.
 */
import { evaluate, FeelFunction, unaryTest } from 'feelin';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { compileDecision, evaluateDecision, parseDmn } from '../../decisions/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { withMachineLoad } from './bench-load.js';

export const USAGE = 'govflow bench decisions [--json] [--seconds S] [--compare-build <checkout dir>]';

export interface BaselineFigure {
  name: 'feelin-unaryTest-per-entry' | 'feelin-compiled-function';
  evaluationsPerSecond: number;
  /** Our evaluations per second over this baseline's, both measured in this run. */
  ratio: number;
  sameRun: true;
}

export interface DecisionBenchLine {
  scenario: 'table-10-F' | 'table-F' | 'table-C+' | 'drg-3-level';
  evaluations: number;
  seconds: number;
  /** `compileDecision`: the decision compiled at deploy time, value only. */
  evaluationsPerSecond: number;
  /**
   * Evaluations per second of this process's CPU time (user + system) in the same loop: on a shared machine the
   * wall-clock figure counts the time other processes held the core; this one does not (it still pays for their
   * cache and hyper-thread contention).
   */
  evaluationsPerCpuSecond: number;
  /** The public `evaluateDecision` (JSON in and out, with explanation), same run, same inputs. */
  explainedEvaluationsPerSecond: number;
  baselines: BaselineFigure[];
  /** `evaluateDecision` of the checkout given by `--compare-build`, same run, same inputs. */
  otherBuild?: { dir: string; evaluationsPerSecond: number };
}

/** What another checkout's src/decisions/index.ts exports that the bench uses. */
interface OtherBuild {
  readonly dir: string;
  parseDmn(xml: string, source?: string): unknown;
  evaluateDecision(model: unknown, id: string, context: Record<string, unknown>): { value: unknown };
}

export const BASELINES: Record<BaselineFigure['name'], string> = {
  'feelin-unaryTest-per-entry': "each rule's input entries tested with feelin unaryTest(text, context) on every evaluation; feelin re-parses the text on each call (no compile step in its API)",
  'feelin-compiled-function': 'the decision written as one FEEL function, parsed by feelin evaluate() once and invoked per evaluation (FeelFunction.invoke): a feelin user evaluating without re-parsing',
};

const CATEGORIES = ['"A"', '"B"', '"C"', '"D"'];

/** Rule r of the 20-rule table: every input column gets a different kind of unary test. */
function ruleEntries(r: number): string[] {
  const lo = (r % 10) * 8;
  return [
    r % 5 === 4 ? '-' : `[${lo}..${lo + 15}]`,
    r % 3 === 0 ? `>= ${r * 2500}` : `< ${(r + 5) * 3000}`,
    r % 4 === 3 ? '-' : `${CATEGORIES[r % 4]}, ${CATEGORIES[(r + 1) % 4]}`,
    r % 2 === 0 ? `> ${300 + r * 15}` : `(${250 + r * 10}..${700 + r * 5}]`,
    r % 6 === 5 ? '-' : r % 2 === 0 ? 'true' : 'false',
  ];
}

export const TABLE_INPUTS = ['age', 'income', 'category', 'score', 'member'] as const;

export function tableModel(hitPolicy: 'FIRST' | 'COLLECT', aggregation?: 'SUM', ruleCount = 20): string {
  const inputs = TABLE_INPUTS.map(
    (name, i) => `<input id="in${i}" label="${name}"><inputExpression typeRef="${name === 'category' ? 'string' : name === 'member' ? 'boolean' : 'number'}"><text>${name}</text></inputExpression></input>`,
  ).join('');
  const rules = Array.from({ length: ruleCount }, (_, r) => {
    const entries = ruleEntries(r)
      .map((t, i) => `<inputEntry id="r${r}i${i}"><text>${t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</text></inputEntry>`)
      .join('');
    return `<rule id="rule${r + 1}">${entries}<outputEntry id="r${r}o"><text>${(r + 1) * 10}</text></outputEntry></rule>`;
  }).join('');
  const inputData = TABLE_INPUTS.map((name) => `<inputData id="id_${name}" name="${name}"><variable name="${name}"/></inputData>`).join('');
  const reqs = TABLE_INPUTS.map((name) => `<informationRequirement><requiredInput href="#id_${name}"/></informationRequirement>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="bench" namespace="https://govflow.dev/bench">
  ${inputData}
  <decision id="score" name="score"><variable name="score" typeRef="number"/>${reqs}
    <decisionTable id="table" hitPolicy="${hitPolicy}"${aggregation ? ` aggregation="${aggregation}"` : ''}>${inputs}<output id="out" name="points" typeRef="number"/>${rules}</decisionTable>
  </decision>
</definitions>`;
}

export function graphModel(): string {
  const table = tableModel('FIRST').replace(/<\/definitions>\s*$/, '');
  return `${table}
  <decision id="band" name="band"><variable name="band"/>
    <informationRequirement><requiredDecision href="#score"/></informationRequirement>
    <informationRequirement><requiredInput href="#id_income"/></informationRequirement>
    <literalExpression><text>if score = null then "none" else if score + income / 1000 > 150 then "high" else "low"</text></literalExpression>
  </decision>
  <decision id="eligible" name="eligible"><variable name="eligible"/>
    <informationRequirement><requiredDecision href="#band"/></informationRequirement>
    <informationRequirement><requiredInput href="#id_member"/></informationRequirement>
    <decisionTable id="eligibleTable" hitPolicy="UNIQUE">
      <input id="e1"><inputExpression typeRef="string"><text>band</text></inputExpression></input>
      <input id="e2"><inputExpression typeRef="boolean"><text>member</text></inputExpression></input>
      <output id="eo" name="eligible" typeRef="boolean"/>
      <rule id="e_r1"><inputEntry><text>"high"</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>true</text></outputEntry></rule>
      <rule id="e_r2"><inputEntry><text>"low"</text></inputEntry><inputEntry><text>true</text></inputEntry><outputEntry><text>true</text></outputEntry></rule>
      <rule id="e_r3"><inputEntry><text>"low"</text></inputEntry><inputEntry><text>false</text></inputEntry><outputEntry><text>false</text></outputEntry></rule>
      <rule id="e_r4"><inputEntry><text>"none"</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>false</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;
}

/** Deterministic inputs (a small LCG) so runs are comparable. */
export function benchInputs(count: number): Record<string, unknown>[] {
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, () => ({
    age: Math.floor(next() * 90),
    income: Math.floor(next() * 100000),
    category: ['A', 'B', 'C', 'D'][Math.floor(next() * 4)] ?? 'A',
    score: Math.floor(next() * 900),
    member: next() < 0.5,
  }));
}

function timeLoop(seconds: number, body: (i: number) => void): { evaluations: number; seconds: number; cpuSeconds: number } {
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 100; k++) body(n++);
  }
  const used = process.cpuUsage(cpu);
  return { evaluations: n, seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** What the table computes, matched with plain feelin unary tests: no compile step, one parse per entry. */
function baselineTable(inputs: Record<string, unknown>, collect: boolean, ruleCount: number): number | null {
  let sum: number | null = null;
  for (let r = 0; r < ruleCount; r++) {
    const entries = ruleEntries(r);
    let ok = true;
    for (let i = 0; i < entries.length; i++) {
      const name = TABLE_INPUTS[i] as string;
      if (unaryTest(entries[i] as string, { ...inputs, '?': inputs[name] }).value !== true) {
        ok = false;
        break;
      }
    }
    if (ok) {
      const out = (r + 1) * 10;
      if (!collect) return out;
      sum = (sum ?? 0) + out;
    }
  }
  return sum;
}

/** Rule r's condition as FEEL: `input in (entry)` per column, don't-cares left out. */
function ruleCondition(r: number): string {
  const tests = ruleEntries(r)
    .map((t, i) => (t === '-' ? undefined : `(${TABLE_INPUTS[i] as string} in (${t}))`))
    .filter((t): t is string => t !== undefined);
  return tests.length > 0 ? tests.join(' and ') : 'true';
}

/** The 20-rule table as one FEEL expression over the five inputs, with the hit policy's meaning. */
function tableAsFeel(collect: boolean, ruleCount = 20): string {
  const rules = Array.from({ length: ruleCount }, (_, r) => ({ when: ruleCondition(r), out: (r + 1) * 10 }));
  if (!collect) return rules.map((x) => `if ${x.when} then ${x.out} else `).join('') + 'null';
  return `{hits: [${rules.map((x) => `if ${x.when} then ${x.out} else null`).join(', ')}][item != null], r: if count(hits) = 0 then null else sum(hits)}.r`;
}

/** The three-level graph as one FEEL context: table, literal expression, then the UNIQUE table on top. */
function graphAsFeel(): string {
  return `{points: ${tableAsFeel(false)}, band: if points = null then "none" else if points + income / 1000 > 150 then "high" else "low", ` +
    'eligible: if band = "high" then true else if band = "low" and member = true then true else if band = "low" and member = false then false else if band = "none" then false else null}.eligible';
}

/** Parsed by feelin once; returns a function that invokes the compiled FEEL function with one input's values. */
function compileWithFeelin(body: string): (inputs: Record<string, unknown>) => unknown {
  const fn = evaluate(`function(${TABLE_INPUTS.join(', ')}) ${body}`).value;
  if (!(fn instanceof FeelFunction)) throw new Error('bench decisions: feelin did not compile the baseline function');
  return (inputs) => fn.invoke(TABLE_INPUTS.map((name) => inputs[name])) as unknown;
}

function baselineFigure(name: BaselineFigure['name'], ours: number, run: { evaluations: number; seconds: number }): BaselineFigure {
  const eps = run.evaluations / run.seconds;
  return { name, evaluationsPerSecond: Math.round(eps), ratio: round(ours / eps), sameRun: true };
}

interface Scenario {
  readonly name: DecisionBenchLine['scenario'];
  readonly xml: string;
  readonly decision: string;
  readonly baselines: Partial<Record<BaselineFigure['name'], (inputs: Record<string, unknown>) => unknown>>;
}

function scenarios(): Scenario[] {
  const tables = ([
    ['table-10-F', 'FIRST', undefined, 10],
    ['table-F', 'FIRST', undefined, 20],
    ['table-C+', 'COLLECT', 'SUM', 20],
  ] as const).map(([name, hp, agg, ruleCount]): Scenario => {
    const collect = hp === 'COLLECT';
    const compiled = compileWithFeelin(tableAsFeel(collect, ruleCount));
    return {
      name, xml: tableModel(hp, agg, ruleCount), decision: 'score',
      baselines: { 'feelin-unaryTest-per-entry': (inputs) => baselineTable(inputs, collect, ruleCount), 'feelin-compiled-function': compiled },
    };
  });
  return [...tables, { name: 'drg-3-level', xml: graphModel(), decision: 'eligible', baselines: { 'feelin-compiled-function': compileWithFeelin(graphAsFeel()) } }];
}

export function measure(seconds: number, other?: OtherBuild): DecisionBenchLine[] {
  const inputs = benchInputs(1000);
  const pick = (i: number): Record<string, unknown> => inputs[i % inputs.length] as Record<string, unknown>;
  const short = Math.max(seconds / 4, 0.05);
  return scenarios().map((sc) => {
    const model = parseDmn(sc.xml, `${sc.name}.dmn`);
    const compiled = compileDecision(model, sc.decision);
    const explained = (i: number): unknown => evaluateDecision(model, sc.decision, pick(i)).value;
    const otherModel = other?.parseDmn(sc.xml, `${sc.name}.dmn`);
    const otherRun = other ? (i: number): unknown => other.evaluateDecision(otherModel, sc.decision, pick(i)).value : undefined;
    const checks: Record<string, (i: number) => unknown> = { evaluateDecision: explained, ...(otherRun ? { 'other build': otherRun } : {}) };
    for (const [name, fn] of Object.entries(sc.baselines)) checks[name] = (i) => fn(pick(i));
    sameAnswers(sc.name, (i) => compiled(pick(i)), checks);
    const run = timeLoop(seconds, (i) => compiled(pick(i)));
    const eps = run.evaluations / run.seconds;
    const explainedRun = timeLoop(short, explained);
    const baselines = Object.entries(sc.baselines).map(([name, fn]) => baselineFigure(name as BaselineFigure['name'], eps, timeLoop(short, (i) => fn(pick(i)))));
    const otherFigure = otherRun ? timeLoop(short, otherRun) : undefined;
    return {
      scenario: sc.name, evaluations: run.evaluations, seconds: round(run.seconds), evaluationsPerSecond: Math.round(eps), evaluationsPerCpuSecond: Math.round(run.evaluations / Math.max(run.cpuSeconds, 1e-6)),
      explainedEvaluationsPerSecond: Math.round(explainedRun.evaluations / explainedRun.seconds), baselines,
      ...(other && otherFigure ? { otherBuild: { dir: other.dir, evaluationsPerSecond: Math.round(otherFigure.evaluations / otherFigure.seconds) } } : {}),
    };
  });
}

/** Loads another checkout's decisions module (run through tsx, as bin/govflow.mjs does without a build). */
async function loadOtherBuild(dir: string): Promise<OtherBuild> {
  const root = resolve(dir);
  const href = pathToFileURL(join(root, 'src/decisions/index.ts')).href;
  let mod: Partial<OtherBuild>;
  try {
    mod = (await import(href)) as Partial<OtherBuild>;
  } catch {
    // Running from dist/ (plain node): TypeScript needs tsx's loader, which the sources' runs already have.
    const loader = 'tsx/esm/api';
    const { register } = (await import(loader)) as { register: () => void };
    register();
    // A new address: the failed import may be remembered under the first one.
    mod = (await import(`${href}?tsx`)) as Partial<OtherBuild>;
  }
  if (typeof mod.parseDmn !== 'function' || typeof mod.evaluateDecision !== 'function') throw new Error(`--compare-build: ${root}/src/decisions/index.ts has no parseDmn and evaluateDecision`);
  return { dir: root, parseDmn: mod.parseDmn, evaluateDecision: mod.evaluateDecision };
}

/** Same answers as every baseline on the first 200 inputs, or the comparison means nothing. */
function sameAnswers(scenario: string, ours: (i: number) => unknown, baselines: Record<string, (i: number) => unknown>): void {
  for (let i = 0; i < 200; i++) {
    const want = ours(i);
    for (const [name, theirs] of Object.entries(baselines)) {
      const got = theirs(i);
      if (got !== want) throw new Error(`bench ${scenario}: engine gave ${String(want)}, ${name} ${String(got)} for input ${i}`);
    }
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, seconds: { type: 'string' }, 'compare-build': { type: 'string' } });
  const json = values.json === true;
  const seconds = numberFlag('--seconds', values.seconds, 2, { min: 0.001 });
  const compareDir = values['compare-build'];
  const other = typeof compareDir === 'string' ? await loadOtherBuild(compareDir) : undefined;
  const { result: lines, load } = await withMachineLoad(() => Promise.resolve(measure(seconds, other)));
  const first = lines[0];
  const goal = { scenario: 'table-10-F', evaluationsPerSecond: 1_000_000, measured: first?.evaluationsPerSecond ?? 0, met: (first?.evaluationsPerSecond ?? 0) >= 1_000_000 };
  if (json) console.log(JSON.stringify({ subject: 'decisions', node: process.version, cores: 1, entryPoint: 'compileDecision (value only); explainedEvaluationsPerSecond: evaluateDecision', baselines: BASELINES, goal, machineLoad: load, results: lines }, null, 2));
  else {
    for (const l of lines) {
      const vs = l.baselines.map((b) => `${b.name} ${b.evaluationsPerSecond}/s ×${b.ratio}`).join(', ');
      const otherText = l.otherBuild ? `, other build ${l.otherBuild.evaluationsPerSecond}/s` : '';
      console.log(`${l.scenario.padEnd(12)} ${String(l.evaluationsPerSecond).padStart(9)} evals/s compiled, ${l.explainedEvaluationsPerSecond}/s evaluateDecision  (same run: ${vs}${otherText})`);
    }
  }
  return 0;
}
