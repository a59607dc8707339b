// Discovery: inductive miner → process tree → BPMN with diagram interchange.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BpmnModdle } from 'bpmn-moddle';
import { bpmnToPetriNet, checkConformance, discoverProcessTree, processTreeToBpmn, processTreeToString, readXesFile } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;

describe('inductive miner', { skip: skipWithoutSharedData('event-logs/running-example.xes', 'event-logs/roadtraffic100traces.xes', 'event-logs/receipt.xes') }, () => {
  it('finds the textbook model of the running example (van der Aalst, Process Mining, ch. 7)', async () => {
    const log = await readXesFile(`${shared}event-logs/running-example.xes`);
    assert.equal(
      processTreeToString(discoverProcessTree(log, { noiseThreshold: 0 })),
      "->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )",
    );
  });

  for (const file of ['running-example.xes', 'roadtraffic100traces.xes', 'receipt.xes']) {
    it(`${file}: with noise 0 the discovered BPMN fits every trace, and it is valid BPMN with a diagram`, async () => {
      const log = await readXesFile(`${shared}event-logs/${file}`);
      const xml = processTreeToBpmn(discoverProcessTree(log, { noiseThreshold: 0 }));
      const report = checkConformance(log, bpmnToPetriNet(xml));
      assert.equal(report.alignment.percentageFittingTraces, 100);
      assert.equal(report.tokenReplay.logFitness, 1);

      const moddle = new BpmnModdle();
      const { rootElement, warnings } = (await moddle.fromXML(xml)) as { rootElement: unknown; warnings: unknown[] };
      assert.deepEqual(warnings, []);
      const definitions = rootElement as unknown as {
        rootElements: { $type: string; flowElements: { id: string; $type: string }[] }[];
        diagrams: { plane: { planeElement: { bpmnElement: { id: string } }[] } }[];
      };
      const process = definitions.rootElements.find((e) => e.$type === 'bpmn:Process');
      const drawn = new Set(definitions.diagrams[0]?.plane.planeElement.map((e) => e.bpmnElement.id));
      // Every node has a shape and every flow an edge, so bpmn.io can render it.
      for (const element of process?.flowElements ?? []) assert.ok(drawn.has(element.id), `${element.$type} ${element.id} is drawn`);
    });
  }

  it('IMf (noise 0.2) still gives a model that fits most of receipt.xes', async () => {
    const log = await readXesFile(`${shared}event-logs/receipt.xes`);
    const report = checkConformance(log, bpmnToPetriNet(processTreeToBpmn(discoverProcessTree(log))));
    assert.ok(report.alignment.averageTraceFitness > 0.9, String(report.alignment.averageTraceFitness));
  });
});
