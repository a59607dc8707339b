/**
 * Acceptance 5: replay. Recorded histories of finished instances (test/engine/fixtures/replay/*.json, written by
 * scripts/record-replay-fixtures.ts) are replayed through the pure runtime after every engine change; the
 * runtime must produce exactly the recorded events and reach the recorded final status and variables.
 *
 * The command of each step is stored with the step's first event (`data.command`), and that event's time is the
 * step's clock. Replay starts from no state and feeds each step's result into the next one, as the engine does.
 *
 * Not produced by the runtime, so skipped: events the engine appends outside a runtime step (claims, job
 * failures, incidents raised or resolved through the job API). They change no execution state, only the
 * sequence number, so they cannot affect what the runtime does; they are recognised by type (task.claimed,
 * task.unclaimed, task.escalated, job.failed), for task.assigned by the missing `action` (the runtime's, through
 * assigning task listeners, has one) or, for incident.raised/resolved, by the job or incident id the engine puts
 * in them (the runtime's own incident events carry neither).
 *
 * Business-rule tasks: a fixture records the decisions its instance was bound to, with their DMN files, and the
 * replay passes exactly those into the step (what is deployed today plays no part). Every replay runs with the
 * machine's clock mocked to a date far in the future: a step reads only its own clock, so nothing may change.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  applyCommand, builtinInlineHandlers, compileBpmn, createDmnDecisionService, type BoundDecision, type Command, type ExecutionState, type Variables,
} from '../../src/engine/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'replay');

interface RecordedEvent {
  seq: number;
  type: string;
  elementId: string | null;
  elementInstance: string | null;
  occurredAt: string;
  data: Record<string, unknown>;
}

interface Fixture {
  scenario: string;
  processKey: string;
  hasParent: boolean;
  status: string;
  variables: Record<string, unknown>;
  xml: string;
  decisions?: Record<string, { decisionKey: string; decisionDefinitionId: number; version: number; versionTag: string | null; dmnName: string; dmn: string }>;
  events: RecordedEvent[];
}

/** Far past any recorded history: the machine's clock during every replay. */
const FAR_FUTURE = new Date('2199-06-30T12:00:00Z');
const dmnService = createDmnDecisionService();

/** The fixture's bound decisions as the engine passes them into a step. */
function boundDecisions(fixture: Fixture): Record<string, BoundDecision> | undefined {
  if (!fixture.decisions) return undefined;
  const out: Record<string, BoundDecision> = {};
  for (const [elementId, d] of Object.entries(fixture.decisions)) {
    out[elementId] = { decisionKey: d.decisionKey, decisionDefinitionId: d.decisionDefinitionId, version: d.version, versionTag: d.versionTag, evaluate: (context, now) => dmnService.evaluate(d.dmn, d.dmnName, d.decisionKey, context, now) };
  }
  return out;
}

const readFixture = async (file: string): Promise<Fixture> => JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8')) as Fixture;

function appendedOutsideRuntime(event: RecordedEvent): boolean {
  if (event.type === 'task.claimed' || event.type === 'task.unclaimed' || event.type === 'job.failed') return true;
  // The runtime records an assignment that waited for assigning task listeners (with its action); the engine
  // appends the others itself.
  if (event.type === 'task.assigned' || event.type === 'task.escalated') return !('action' in event.data);
  if (event.type === 'incident.raised' || event.type === 'incident.resolved') return 'jobId' in event.data || 'incidentId' in event.data;
  return false;
}

/** Splits a history into steps: a step starts at each event that carries the command that caused it. */
function steps(events: RecordedEvent[]): RecordedEvent[][] {
  const result: RecordedEvent[][] = [];
  for (const event of events.filter((e) => !appendedOutsideRuntime(e))) {
    if ('command' in event.data) result.push([event]);
    else {
      assert.ok(result.length > 0, `event ${event.seq} (${event.type}) comes before any recorded command`);
      result.at(-1)!.push(event);
    }
  }
  return result;
}

const comparable = (e: { type: string; elementId?: string | null; elementInstance?: string | null; data: Record<string, unknown> }) =>
  JSON.parse(JSON.stringify({ type: e.type, elementId: e.elementId ?? null, elementInstance: e.elementInstance ?? null, data: e.data })) as unknown;

const files = (await readdir(FIXTURES)).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has fixtures covering the representative processes', () => {
    assert.ok(files.length >= 12, `only ${files.length} fixtures in ${FIXTURES}; run scripts/record-replay-fixtures.ts`);
  });

  for (const file of files) {
    it(file, async (t: TestContext) => {
      const fixture = await readFixture(file);
      const { processes } = await compileBpmn(fixture.xml, `${fixture.processKey}.bpmn`);
      const model = processes.find((p) => p.id === fixture.processKey);
      assert.ok(model, `process ${fixture.processKey} is in the fixture's XML`);
      // Sequence numbers as recorded: 1..n without gaps.
      assert.deepEqual(fixture.events.map((e) => e.seq), fixture.events.map((_, i) => i + 1));
      const decisions = boundDecisions(fixture);
      t.mock.timers.enable({ apis: ['Date'], now: FAR_FUTURE });
      assert.equal(new Date().toISOString(), FAR_FUTURE.toISOString(), 'the machine clock is mocked for the replay');

      let state: ExecutionState | null = null;
      let variables: Variables = {};
      let status = 'active';
      for (const step of steps(fixture.events)) {
        const first = step[0]!;
        const command = first.data['command'] as Command;
        const result = applyCommand({ model, state, variables, now: new Date(first.occurredAt), hasParent: fixture.hasParent, ...(decisions ? { decisions } : {}) }, command, { inlineHandlers: new Map(Object.entries(builtinInlineHandlers)) });
        const produced = result.events.map((e, i) => (i === 0 ? { ...e, data: { ...e.data, command } } : e));
        assert.deepEqual(produced.map(comparable), step.map(comparable), `step at seq ${first.seq} (${command.type}) of ${file}`);
        state = Object.keys(result.state.tokens).length > 0 ? result.state : null;
        variables = result.variables;
        status = result.status;
      }
      assert.equal(status, fixture.status, 'final status');
      assert.deepEqual(JSON.parse(JSON.stringify(variables)), fixture.variables, 'final variables');
    });
  }

  it('the decision fixtures cover a DMN redeploy mid-case, and their decisions depend on the clock (so the replays above prove something)', async () => {
    const award = await Promise.all(files.filter((f) => f.startsWith('decisions-award-')).map(readFixture));
    assert.equal(award.length, 2, 'two recorded award cases');
    const [early, late] = award.sort((a, b) => a.events[0]!.occurredAt.localeCompare(b.events[0]!.occurredAt)) as [Fixture, Fixture];
    const evaluated = (f: Fixture, elementId: string) => f.events.find((e) => e.type === 'decision.evaluated' && e.elementId === elementId)!;
    // The early case evaluated its decision after the later case had started on the redeployed table, and still
    // ran the version it was bound to.
    assert.ok(evaluated(early, 'assess').occurredAt > late.events[0]!.occurredAt);
    assert.equal(evaluated(early, 'assess').data['version'], 1);
    assert.equal(evaluated(late, 'assess').data['version'], 2);
    assert.equal(evaluated(late, 'assessAsV1').data['version'], 1, 'bound by version tag');
    assert.equal(evaluated(late, 'assessAsDeployed').data['version'], 1, 'bound to the version deployed with the process');
    assert.notEqual(early.decisions!['assess']!.dmn, late.decisions!['assess']!.dmn);
    // Evaluated on another day, the same decision gives another review date than the one recorded.
    const recorded = evaluated(early, 'assess');
    const input = { ...early.variables, ...((recorded.data['command'] as { variables?: Variables } | undefined)?.variables ?? {}) };
    const elsewhen = boundDecisions(early)!['assess']!.evaluate(input, FAR_FUTURE).value as { reviewBy: string };
    assert.notEqual(elsewhen.reviewBy, (recorded.data['output'] as { reviewBy: string }).reviewBy);
  });
});
