/**
 * Issue 14: a decision's FEEL reads the caller's clock (a process step's time), never the machine's, so a case's
 * decision replays to the same result on any later date.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDecision, parseDmn } from '../../src/decisions/index.js';

const model = parseDmn(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="clock" name="clock" namespace="http://govflow.test/clock">
  <decision id="dates" name="dates">
    <literalExpression><text>{ day: string(today()), instant: string(now()), due: today() + duration("P14D") }</text></literalExpression>
  </decision>
  <decision id="late" name="late">
    <decisionTable hitPolicy="FIRST">
      <input id="i"><inputExpression typeRef="date"><text>date("2040-01-01")</text></inputExpression></input>
      <output id="o" name="late" typeRef="boolean"/>
      <rule><inputEntry><text>&lt; today()</text></inputEntry><outputEntry><text>true</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>false</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`);

describe('decisions: the clock', () => {
  it("now() and today() in expressions and in input entries are the caller's time, in UTC", () => {
    const at = new Date('2030-02-27T23:30:00Z');
    assert.deepEqual(evaluateDecision(model, 'dates', {}, { now: at }).value, { day: '2030-02-27', instant: '2030-02-27T23:30:00Z', due: '2030-03-13' });
    assert.equal(evaluateDecision(model, 'late', {}, { now: at }).value, false);
    assert.equal(evaluateDecision(model, 'late', {}, { now: new Date('2041-05-01T00:00:00Z') }).value, true);
  });

  it("without a clock they read the machine's, and a clock given once does not stick", () => {
    evaluateDecision(model, 'dates', {}, { now: new Date('2030-02-27T00:00:00Z') });
    const machine = evaluateDecision(model, 'dates', {}).value as { day: string };
    // feelin's own today() is the machine's local date: within a day of the UTC date, and not the clock given before.
    assert.notEqual(machine.day, '2030-02-27');
    assert.ok(Math.abs(Date.parse(machine.day) - Date.parse(new Date().toISOString().slice(0, 10))) <= 86_400_000, machine.day);
  });
});
