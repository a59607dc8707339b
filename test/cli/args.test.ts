/**
 * One argument-parsing path: every command and subcommand refuses a flag it does not know, or a value it cannot use,
 * with exit code 2 and a message naming the flag (never a stack trace); numbers are checked by one helper.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { numberFlag, parseCommandArgs } from '../../src/cli/index.js';
import { cli } from '../support/cli-in-process.js';

// Every command line that parses flags: the commands, the bench subjects and the ledger subcommands.
const COMMAND_LINES = [
  ['serve'], ['deploy', 'x.bpmn'], ['start', 'p'], ['mine', 'log.csv'], ['tck'], ['backup'], ['restore', 'b.tar.gz'],
  ['bench', 'engine'], ['bench', 'decisions'], ['bench', 'mining'], ['bench', 'ledger'], ['bench', 'web'], ['bench', 'transparency'], ['bench', 'sensors'], ['simulate', 'sensors'], ['transparency', 'import-spending', 'x.csv'],
  ['ledger', 'verify'], ['ledger', 'seal'], ['ledger', 'head'], ['ledger', 'checkpoint'], ['ledger', 'proof', '1'], ['ledger', 'consistency', '1', '2'], ['ledger', 'health'],
];

describe('govflow command lines', () => {
  for (const line of COMMAND_LINES) {
    it(`${line.join(' ')} refuses an unknown flag by name, before doing anything`, async () => {
      const { code, stderr } = await cli([...line, '--no-such-flag']);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`^govflow ${line[0]}: unknown option --no-such-flag \\[GOVFLOW_ERR_VALIDATION\\]`));
      assert.match(stderr, new RegExp(`Run \`govflow ${line[0]}${['bench', 'ledger', 'transparency', 'simulate'].includes(line[0]!) ? ` ${line[1]}` : ''} --help\``));
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('a flag without its value, a value on a switch, an extra argument, an unknown command or subject', async () => {
    assert.match((await cli(['mine', 'log.csv', '--case'])).stderr, /--case needs a value/);
    assert.match((await cli(['backup', '--out'])).stderr, /--out needs a value/);
    assert.match((await cli(['restore', 'b.tar.gz', '--force=yes'])).stderr, /--force takes no value/);
    assert.match((await cli(['restore', 'a', 'b'])).stderr, /unexpected argument 'b'/);
    assert.match((await cli(['serve', '--port', '70000'])).stderr, /--port must be a whole number from 0 to 65535, not "70000"/);
    assert.match((await cli(['bench', 'nothing'])).stderr, /unknown subject 'nothing': one of engine, decisions, mining, ledger, web/);
    assert.match((await cli(['ledger', 'frob'])).stderr, /unknown ledger command 'frob'/);
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const early = await cli(['--verbose']);
    assert.equal(early.code, 2);
    assert.match(early.stderr, /unknown option --verbose/);
  });

  it('--help of a command and of a bench subject prints its usage', async () => {
    assert.match((await cli(['backup', '--help'])).stdout, /Usage: govflow backup \[--out FILE\]/);
    assert.match((await cli(['bench', 'decisions', '--help'])).stdout, /Usage: govflow bench decisions \[--json\] \[--seconds S\]/);
    assert.match((await cli(['ledger', 'proof', '--help'])).stdout, /proof <eventId> \[--size N\]/);
  });
});

describe('numberFlag', () => {
  it('takes plain decimals in range, refuses anything else naming the flag', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), (n) => numberFlag('--n', String(n), 0, { min: 1, max: 1000, integer: true }) === n));
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('1e3', '0x10', ' 1', 'Infinity', '0', '1001', '1.5')), (text) => {
      fc.pre(!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000);
      assert.throws(() => numberFlag('--n', text, 0, { min: 1, max: 1000, integer: true }), /^GovflowError: --n must be a whole number from 1 to 1000/);
    }));
    assert.equal(numberFlag('--n', undefined, 7), 7);
  });

  it('parseCommandArgs keeps typed values, repeated flags and the positional limit', () => {
    const { values, positionals } = parseCommandArgs(['a', '--var', 'x=1', '--var=y=2', '--json'], { var: { type: 'string', multiple: true }, json: { type: 'boolean' } }, 1);
    assert.deepEqual(values.var, ['x=1', 'y=2']);
    assert.equal(values.json, true);
    assert.deepEqual(positionals, ['a']);
  });
});
