// Decision-table behaviour that mutation testing (npm run mutate -- decision-tables) found unpinned: what a table
// reports when nothing or several rules match, aggregation over nulls and mixed types, and the explanation of a
// refused input. Every expected value is worked out from the DMN 1.3 rules, not copied from the engine's output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDecision, evaluateDecision, parseDmn } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { tableDmn, type TableSpec } from './support.js';

const run = (spec: TableSpec, input: Record<string, unknown>) => evaluateDecision(parseDmn(tableDmn(spec)), 'result', input);
/** A one-input, one-output table over `x` whose rules give the listed output entries. */
const table = (hitPolicy: string, rules: string[][], extra: Partial<TableSpec> = {}): TableSpec => ({
  hitPolicy, inputs: [{ name: 'x', typeRef: 'number' }], outputs: [{ name: 'y' }], rules, ...extra,
});

describe('decision tables: no match, several matches', () => {
  it('no match: RULE ORDER and OUTPUT ORDER give an empty list, COLLECT COUNT gives 0, the explanation lists no outputs', () => {
    const rules = [['> 100', '1']];
    assert.deepEqual(run(table('RULE ORDER', rules), { x: 1 }).value, []);
    assert.deepEqual(run(table('OUTPUT ORDER', rules), { x: 1 }).value, []);
    assert.equal(run(table('COLLECT', rules, { aggregation: 'COUNT' }), { x: 1 }).value, 0);
    assert.equal(run(table('COLLECT', rules, { aggregation: 'SUM' }), { x: 1 }).value, null);
    const none = run(table('UNIQUE', rules), { x: 1 });
    assert.deepEqual(none.explanation[0]?.matchedRules, []);
    assert.deepEqual(none.explanation[0]?.outputs, []);
  });

  it('no match with a default output entry gives the default, for every hit policy', () => {
    for (const hitPolicy of ['UNIQUE', 'FIRST', 'COLLECT']) {
      const xml = tableDmn(table(hitPolicy, [['> 100', '"big"']])).replace('<output id="out0" name="y">', '<output id="out0" name="y"><defaultOutputEntry><text>"none"</text></defaultOutputEntry>');
      assert.equal(evaluateDecision(parseDmn(xml), 'result', { x: 1 }).value, 'none', hitPolicy);
    }
  });

  it('ANY with disagreeing rules warns naming the rules', () => {
    const r = run(table('ANY', [['> 0', '1'], ['> 5', '2'], ['> 50', '3']]), { x: 10 });
    assert.equal(r.value, null);
    assert.match(r.warnings.join('\n'), /hit policy ANY but matching rules 1, 2 disagree/);
  });

  it('PRIORITY reports the one rule that won, the first of equal priority', () => {
    const r = run(table('PRIORITY', [['> 0', '"LOW"'], ['> 5', '"HIGH"'], ['> 1', '"HIGH"']], { outputs: [{ name: 'y', values: '"HIGH","LOW"' }] }), { x: 10 });
    assert.equal(r.value, 'HIGH');
    assert.deepEqual(r.explanation[0]?.matchedRules, [{ index: 2, id: 'rule2' }]);
  });

  it('FIRST: the explanation has the first matching rule and its output only', () => {
    // Later rules that also match take no part: neither their rule nor their output is the table's.
    const r = run(table('FIRST', [['< 0', '"negative"'], ['> 1', '"big"'], ['> 5', '"bigger"'], ['-', '"any"']]), { x: 10 });
    assert.equal(r.value, 'big');
    assert.deepEqual(r.explanation[0]?.matchedRules, [{ index: 2, id: 'rule2' }]);
    assert.deepEqual(r.explanation[0]?.outputs, ['big']);
  });

  it('output values rank outputs for PRIORITY only: FIRST and UNIQUE never test an output against them', () => {
    // `< true` is an output value FEEL cannot test a string against (an order comparison with a boolean warns), so
    // a warning shows whether the hit policy consulted the output values.
    const spec = (hitPolicy: string, rules: string[][]) => table(hitPolicy, rules, { outputs: [{ name: 'y', values: '< true, "b"' }] });
    for (const hitPolicy of ['FIRST', 'UNIQUE']) {
      const r = run(spec(hitPolicy, [['> 1', '"a"'], ['> 50', '"b"']]), { x: 3 });
      assert.equal(r.value, 'a', hitPolicy);
      assert.deepEqual(r.warnings, [], hitPolicy);
    }
    const p = run(spec('PRIORITY', [['> 1', '"a"'], ['> 2', '"b"']]), { x: 3 });
    assert.equal(p.value, 'b');
    assert.match(p.warnings.join('\n'), /< true/);
  });

  it('RULE ORDER keeps rule order even when the output values rank the outputs the other way', () => {
    const r = run(table('RULE ORDER', [['> 0', '"LOW"'], ['> 5', '"HIGH"']], { outputs: [{ name: 'y', values: '"HIGH","LOW"' }] }), { x: 10 });
    assert.deepEqual(r.value, ['LOW', 'HIGH']);
  });
});

describe('decision tables: COLLECT aggregation', () => {
  const collect = (aggregation: string, outputs: string[]) => run(table('COLLECT', outputs.map((o) => ['> 0', o]), { aggregation }), { x: 1 });

  it('null outputs are left out of SUM, MIN and MAX; all null gives null', () => {
    assert.equal(collect('SUM', ['3', 'null', '4']).value, 7);
    assert.equal(collect('MIN', ['null', '3', '4']).value, 3);
    assert.equal(collect('MAX', ['3', 'null', '2']).value, 3);
    assert.equal(collect('SUM', ['null', 'null']).value, null);
    assert.equal(collect('MAX', ['null']).value, null);
  });

  it('SUM of non-numbers, and MIN/MAX of mixed or uncomparable outputs, are null with a warning', () => {
    const sum = collect('SUM', ['1', '"two"']);
    assert.equal(sum.value, null);
    assert.match(sum.warnings.join('\n'), /C\+ needs numeric outputs/);
    const mixed = collect('MIN', ['1', '"a"']);
    assert.equal(mixed.value, null);
    assert.match(mixed.warnings.join('\n'), /C< needs comparable outputs/);
    const bools = collect('MAX', ['true', 'false']);
    assert.equal(bools.value, null);
    assert.match(bools.warnings.join('\n'), /C> needs comparable outputs/);
  });

  it('MIN and MAX of strings compare them as text; equal values are fine', () => {
    assert.equal(collect('MIN', ['"pear"', '"apple"', '"plum"']).value, 'apple');
    assert.equal(collect('MAX', ['"pear"', '"apple"', '"plum"']).value, 'plum');
    assert.equal(collect('MAX', ['2', '7', '7', '1']).value, 7);
    assert.equal(collect('MIN', ['2', '7', '1', '1']).value, 1);
  });
});

describe('decision tables: input values', () => {
  const spec: TableSpec = { hitPolicy: 'FIRST', inputs: [{ name: 'c', typeRef: 'string' }], outputs: [{ name: 'o' }], rules: [['"a"', '1'], ['-', '2']], inputValues: ['"a","b"'] };

  it('a value outside the input values: null, and the explanation shows the input and no rule or output', () => {
    const r = run(spec, { c: 'z' });
    assert.equal(r.value, null);
    assert.deepEqual(r.explanation[0]?.matchedRules, []);
    assert.deepEqual(r.explanation[0]?.inputs?.map((i) => i.expression), ['c']);
    assert.deepEqual(r.explanation[0]?.outputs, []);
  });

  it('a value outside the input values of a later column: the explanation still shows the earlier inputs\' values', () => {
    const two: TableSpec = {
      hitPolicy: 'FIRST', inputs: [{ name: 'c', typeRef: 'string' }, { name: 'n', typeRef: 'number' }], outputs: [{ name: 'o' }],
      rules: [['"a"', '-', '1']], inputValues: ['"a","b"', '[0..10]'],
    };
    const r = run(two, { c: 'b', n: 99 });
    assert.equal(r.value, null);
    assert.match(r.warnings.join('\n'), /input 'n' value is not among the allowed input values/);
    assert.deepEqual(r.explanation[0]?.inputs?.map((i) => i.expression), ['c', 'n']);
    assert.equal(r.explanation[0]?.inputs?.[0]?.value, 'b');
  });

  it('a null input is not checked against the input values (the rules decide)', () => {
    const r = run(spec, { c: null });
    assert.equal(r.value, 2);
    assert.doesNotMatch(r.warnings.join('\n'), /allowed input values/);
  });
});

describe('decision tables: priorities and output values', () => {
  const ranked = (hitPolicy: string, values: string | undefined, outputs: string[]) =>
    run(table(hitPolicy, outputs.map((o) => ['-', o]), { outputs: [{ name: 'y', ...(values === undefined ? {} : { values }) }] }), { x: 1 });

  it('PRIORITY takes the best-ranked output whichever rule comes first', () => {
    assert.equal(ranked('PRIORITY', '"HIGH","MID","LOW"', ['"MID"', '"LOW"']).value, 'MID');
    assert.equal(ranked('PRIORITY', '"HIGH","MID","LOW"', ['"LOW"', '"MID"', '"LOW"']).value, 'MID');
  });

  it('with several outputs, a tie on the first output is decided by the next', () => {
    const spec: TableSpec = {
      hitPolicy: 'PRIORITY', inputs: [{ name: 'x', typeRef: 'number' }],
      outputs: [{ name: 'level', values: '"A","B"' }, { name: 'route', values: '"X","Y"' }],
      rules: [['-', '"A"', '"Y"'], ['-', '"A"', '"X"'], ['-', '"B"', '"X"']],
    };
    assert.deepEqual(run(spec, { x: 1 }).value, { level: 'A', route: 'X' });
  });

  it('OUTPUT ORDER keeps rule order among outputs of equal rank', () => {
    assert.deepEqual(ranked('OUTPUT ORDER', '"HIGH"', ['"x"', '"y"', '"HIGH"', '"z"']).value, ['HIGH', 'x', 'y', 'z']);
  });

  it('without output values PRIORITY takes the first matching rule, silently', () => {
    const r = ranked('PRIORITY', undefined, ['"b"', '"a"']);
    assert.equal(r.value, 'b');
    assert.deepEqual(r.warnings, []);
  });

  it('an empty output value (a doubled or leading comma) is skipped, not read as a test every value passes', () => {
    assert.equal(ranked('PRIORITY', '"HIGH",,"LOW"', ['"OTHER"', '"LOW"']).value, 'LOW');
    assert.equal(ranked('PRIORITY', ',"HIGH","LOW"', ['"LOW"', '"HIGH"']).value, 'HIGH');
    assert.equal(ranked('PRIORITY', '"HIGH", ,"LOW"', ['"OTHER"', '"LOW"']).value, 'LOW');
  });
});

describe('decision tables: more aggregation edges', () => {
  const collect = (aggregation: string, outputs: string[]) => run(table('COLLECT', outputs.map((o) => ['-', o]), { aggregation }), { x: 1 });

  it('a string first and another type after it: null with a warning', () => {
    for (const other of ['1', 'true']) {
      const r = collect('MIN', ['"b"', other]);
      assert.equal(r.value, null, other);
      assert.match(r.warnings.join('\n'), /C< needs comparable outputs/);
    }
  });

  it('a SUM beyond decimal128 (34 digits, exponent 6144) is null, and stays null as more outputs are added', () => {
    const big = '9.999999999999999999999999999999999 * 10 ** 6144';
    assert.equal(collect('SUM', [big, big, '1']).value, null);
  });

  it('five strings in no order', () => {
    assert.equal(collect('MIN', ['"c"', '"a"', '"b"', '"e"', '"d"']).value, 'a');
    assert.equal(collect('MAX', ['"c"', '"a"', '"e"', '"b"', '"d"']).value, 'e');
    assert.equal(collect('MAX', ['"d"', '"e"', '"c"', '"b"', '"a"']).value, 'e');
    assert.equal(collect('MIN', ['"b"', '"c"', '"d"', '"e"', '"a"']).value, 'a');
  });
});

describe('decision tables: entries and where errors are', () => {
  const base = tableDmn(table('UNIQUE', [['> 1', '1']]));

  it('an input entry without text matches anything; an output entry without text gives null', () => {
    assert.equal(evaluateDecision(parseDmn(base.replace('<inputEntry><text>&gt; 1</text></inputEntry>', '<inputEntry/>')), 'result', { x: 0 }).value, 1);
    const r = evaluateDecision(parseDmn(base.replace('<outputEntry><text>1</text></outputEntry>', '<outputEntry/>')), 'result', { x: 5 });
    assert.equal(r.value, null);
    assert.deepEqual(r.warnings, []);
  });

  it('a syntax error in an input expression or in input values names the column', () => {
    const whereOf = (xml: string): unknown => {
      try {
        parseDmn(xml);
        return 'parsed';
      } catch (error) {
        assert.ok(isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX', String(error));
        return error.details[0]?.where;
      }
    };
    assert.equal(whereOf(base.replace('<text>x</text></inputExpression>', '<text>x +* (</text></inputExpression>')), 'table/input[0]');
    assert.equal(whereOf(base.replace('<text>x</text></inputExpression>', '<text>x</text></inputExpression><inputValues><text>1, (</text></inputValues>')), 'table/input[0]/inputValues');
  });

  it('an unknown hit policy is GOVFLOW_ERR_DMN_INVALID naming the decision and the value; a lenient parse reads it as UNIQUE', () => {
    const misspelt = tableDmn(table('UNIQE', [['> 1', '"a"'], ['> 2', '"b"']]));
    assert.throws(
      () => parseDmn(misspelt),
      (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_DMN_INVALID' && error.details.some((d) => d.where === 'table' && d.message.includes("'result'") && d.message.includes("'UNIQE'")),
    );
    // The seven DMN allows, as the schema spells them or with underscores, in any case.
    for (const hitPolicy of ['UNIQUE', 'ANY', 'PRIORITY', 'FIRST', 'RULE ORDER', 'OUTPUT ORDER', 'COLLECT', 'rule_order', 'first']) {
      assert.doesNotThrow(() => parseDmn(tableDmn(table(hitPolicy, [['> 1', '"a"']]))), hitPolicy);
    }
    // Lenient: the table still runs, as UNIQUE (two rules matching give null and a warning naming them).
    const r = evaluateDecision(parseDmn(misspelt, 'model.dmn', { lenient: true }), 'result', { x: 5 });
    assert.equal(r.value, null);
    assert.match(r.warnings.join('\n'), /UNIQUE but rules 1, 2 matched/);
  });
});

describe('decision tables: the compiled form', () => {
  it('a plain table compiles to JavaScript comparisons and gives what the interpreter gives', () => {
    const model = parseDmn(tableDmn(table('FIRST', [['> 10', '"big"'], ['[1..10]', 'x * 2'], ['-', '"small"']])));
    const decision = compileDecision(model, 'result');
    assert.equal(decision.path, 'compiled');
    for (const x of [20, 5, 0, null]) assert.deepEqual(decision({ x }), evaluateDecision(model, 'result', { x }).value, String(x));
    assert.deepEqual([20, 5, 0].map((x) => decision({ x })), ['big', 10, 'small']);
  });
});
