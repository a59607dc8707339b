// Acceptance 1 (fitness): receipt.xes against receipt.pnml agrees with PM4Py within 0.001, for token replay and
// alignments, on every figure the expected file records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkConformance, parsePnml, readModelFile, readXesFile, readXesText } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;
const logPath = `${shared}event-logs/receipt.xes`;
const expectedPath = `${shared}expected/pm4py/receipt.json`;

interface Expected {
  tokenReplayFitness: { perc_fit_traces: number; average_trace_fitness: number; log_fitness: number };
  alignmentFitness: { percFitTraces: number; averageFitness: number; log_fitness: number };
}

describe('conformance against PM4Py', { skip: skipWithoutSharedData('event-logs/receipt.xes', 'expected/pm4py/receipt.json', 'event-logs/receipt.pnml', 'event-logs/receipt.bpmn') }, () => {
  it('receipt.xes vs receipt.pnml: token replay and alignment fitness', async () => {
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
    const log = await readXesFile(logPath);
    const report = checkConformance(log, await readModelFile(`${shared}event-logs/receipt.pnml`));
    const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 0.001, `${what}: ${a} vs PM4Py ${b}`);
    near(report.tokenReplay.logFitness, expected.tokenReplayFitness.log_fitness, 'token replay log fitness');
    near(report.tokenReplay.averageTraceFitness, expected.tokenReplayFitness.average_trace_fitness, 'token replay average trace fitness');
    near(report.tokenReplay.percentageFittingTraces / 100, expected.tokenReplayFitness.perc_fit_traces / 100, 'token replay fitting traces');
    near(report.alignment.logFitness, expected.alignmentFitness.log_fitness, 'alignment log fitness');
    near(report.alignment.averageTraceFitness, expected.alignmentFitness.averageFitness, 'alignment average fitness');
    near(report.alignment.percentageFittingTraces / 100, expected.alignmentFitness.percFitTraces / 100, 'alignment fitting traces');
  });

  it('receipt.bpmn converts to a net the fitting log also replays on', async () => {
    const log = await readXesFile(logPath);
    const report = checkConformance(log, await readModelFile(`${shared}event-logs/receipt.bpmn`));
    // PM4Py finds every trace fitting receipt.pnml; the BPMN model describes the same process.
    assert.equal(report.tokenReplay.percentageFittingTraces, 100);
    assert.equal(report.alignment.averageTraceFitness, 1);
  });
});

describe('deviations', () => {
  // A sequence a → b → c as a PNML net: source → a → p1 → b → p2 → c → sink.
  const pnml = `<pnml><net id="n"><page id="p">
    <place id="source"><initialMarking><text>1</text></initialMarking></place><place id="p1"/><place id="p2"/><place id="sink"/>
    <transition id="a"><name><text>a</text></name></transition><transition id="b"><name><text>b</text></name></transition>
    <transition id="c"><name><text>c</text></name></transition>
    <arc id="1" source="source" target="a"/><arc id="2" source="a" target="p1"/><arc id="3" source="p1" target="b"/>
    <arc id="4" source="b" target="p2"/><arc id="5" source="p2" target="c"/><arc id="6" source="c" target="sink"/>
  </page></net></pnml>`;
  const trace = (id: string, acts: string[]): string =>
    `<trace><string key="concept:name" value="${id}"/>${acts.map((a, i) => `<event><string key="concept:name" value="${a}"/><date key="time:timestamp" value="2020-01-0${i + 1}T00:00:00Z"/></event>`).join('')}</trace>`;

  it('lists the deviating cases and activities, with textbook fitness values', () => {
    const log = readXesText(`<log>${trace('ok', ['a', 'b', 'c'])}${trace('skip', ['a', 'c'])}</log>`);
    const report = checkConformance(log, parsePnml(pnml));
    assert.deepEqual(report.deviations.deviatingCases, ['skip']);
    assert.deepEqual(report.deviations.activities, [{ activity: 'b', logMoves: 0, modelMoves: 1 }]);
    // 'skip': one model move out of bwc = 2 log moves + 3 model moves → 1 − 1/5.
    assert.equal(report.alignment.averageTraceFitness, (1 + 0.8) / 2);
    // Token replay of a,c: p = 1 (initial) + 1 (a) + 1 (c) = 3; c = 1 (a) + 1 (c) + 1 (final) = 3; c misses the
    // token in p2 (m = 1) and p1 keeps one (r = 1) → ½(1 − ⅓) + ½(1 − ⅓) = ⅔.
    assert.ok(Math.abs(report.tokenReplay.averageTraceFitness - (1 + 2 / 3) / 2) < 1e-12);
  });
});
