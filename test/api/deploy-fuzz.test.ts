import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { describeEachBackend } from '../support/databases.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { startTestApi, type TestApi } from './support.js';

const seeds: string[] = [
  bpmn('fuzz', `<startEvent id="s"/>${userTask('u', '<zeebe:assignmentDefinition candidateGroups="=if x then &quot;a&quot; else &quot;b&quot;"/>')}<exclusiveGateway id="g"/>${job('j', 'work')}<endEvent id="e"/><endEvent id="e2"/>`,
    's -> u; u -> g; g -> j [= amount > 10]; g -> e2 (default); j -> e'),
  bpmn('timers', '<startEvent id="s"/><intermediateCatchEvent id="t"><timerEventDefinition><timeDuration>PT5M</timeDuration></timerEventDefinition></intermediateCatchEvent><endEvent id="e"/>', 's -> t; t -> e'),
];

/** Structural mutations a broken exporter or a careless edit produces. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string(), fc.constantFrom('<', '>', '"', '&', '<task id="x"/>', '<complexGateway id="c"/>', ' id="s"', '=', '${x}', '<![CDATA[', 'PT', '\u0000')) }),
  fc.record({ kind: fc.constant('replace' as const), from: fc.constantFrom('startEvent', 'endEvent', 'sourceRef', 'targetRef', 'PT5M', 'amount > 10', 'work', 'id="g"', 'exclusiveGateway', 'timeDuration', 'process'), to: fc.constantFrom('', 'complexGateway', 'R/PT1S', 'amount >', 'x', 'id="s"', 'parallelGateway', 'timeCycle', 'task', 'nonsense') }),
);

type Mutation = { kind: string; at?: number; length?: number; text?: string; from?: string; to?: string };

function mutate(xml: string, steps: readonly Mutation[]): string {
  let out = xml;
  for (const m of steps) {
    const at = (m.at ?? 0) % (out.length + 1);
    if (m.kind === 'cut') out = out.slice(0, at) + out.slice(at + (m.length ?? 1));
    else if (m.kind === 'insert') out = out.slice(0, at) + (m.text ?? '') + out.slice(at);
    else out = out.replace(m.from ?? '', m.to ?? '');
  }
  return out;
}

describeEachBackend('deploying generated and mutated BPMN', (backend) => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(backend);
    // Two real-world models as extra seeds when the shared data is there (required under CI=true).
    if (!skipWithoutSharedData('bpmn-miwg/C.9.0.bpmn', 'bpmn-miwg/C.9.2.bpmn')) {
      for (const name of ['C.9.0.bpmn', 'C.9.2.bpmn']) seeds.push(await readFile(sharedPath(`bpmn-miwg/${name}`), 'utf8'));
    }
  });
  after(async () => api.close());

  it('never answers 5xx and never leaves a partial deployment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, steps) => {
        const content = mutate(seeds[seed]!, steps);
        const before = await api.db.query<{ d: number; p: number; r: number }>('select (select count(*) from deployment)::int as d, (select count(*) from process_definition)::int as p, (select count(*) from deployment_resource)::int as r');
        const response = await api.request('POST', '/api/deployments', { resources: [{ name: 'fuzz.bpmn', content }] });
        assert.ok(response.status < 500, `5xx for mutated model: ${JSON.stringify(response.body).slice(0, 300)}`);
        const after = await api.db.query<{ d: number; p: number; r: number }>('select (select count(*) from deployment)::int as d, (select count(*) from process_definition)::int as p, (select count(*) from deployment_resource)::int as r');
        if (response.status === 201) {
          assert.equal(after.rows[0]!.d, before.rows[0]!.d + 1);
          assert.equal(after.rows[0]!.r, before.rows[0]!.r + 1);
        } else {
          assert.deepEqual(after.rows[0], before.rows[0], 'a refused deployment writes nothing');
          assert.match(response.body.code, /^GOVFLOW_ERR_/);
          assert.ok(Array.isArray(response.body.details));
        }
      }),
      { numRuns: backend === 'pglite' ? 150 : 60, seed: Number(process.env['GOVFLOW_FUZZ_SEED'] ?? Date.now() % 100000) },
    );
  });
});
