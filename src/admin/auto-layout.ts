import { BpmnModdle } from 'bpmn-moddle';
import { layoutProcess } from 'bpmn-auto-layout';

interface FlowNode {
  readonly $type: string;
  readonly flowElements?: readonly FlowNode[];
  readonly sourceRef?: FlowNode;
  readonly targetRef?: FlowNode;
  get(name: 'incoming' | 'outgoing'): FlowNode[];
}

/**
 * BPMN XML with a diagram (BPMNDiagram) for the modeller. A file that has one is returned as is. A file written by
 * hand (the demo's examples/) has none, and bpmn-js draws only what the diagram places, so it is laid out with
 * bpmn-auto-layout. That layouter follows each node's `incoming`/`outgoing` references, which hand-written files
 * leave out (they are redundant with the flows' sourceRef/targetRef), so they are filled in from the flows first.
 */
export async function withDiagram(xml: string): Promise<string> {
  if (/<(\w+:)?BPMNDiagram\b/.test(xml)) return xml;
  // bpmn-moddle's types declare neither fromXML's result nor toXML; both exist at run time.
  const moddle = new BpmnModdle() as unknown as {
    fromXML(xml: string, type: string): Promise<{ rootElement: { rootElements?: FlowNode[] } }>;
    toXML(element: unknown, options: { format: boolean }): Promise<{ xml: string }>;
  };
  const { rootElement } = await moddle.fromXML(xml, 'bpmn:Definitions');
  const visit = (container: FlowNode): void => {
    for (const e of container.flowElements ?? []) {
      if (e.$type === 'bpmn:SequenceFlow' && e.sourceRef && e.targetRef) {
        if (!e.sourceRef.get('outgoing').includes(e)) e.sourceRef.get('outgoing').push(e);
        if (!e.targetRef.get('incoming').includes(e)) e.targetRef.get('incoming').push(e);
      }
      if (e.flowElements) visit(e);
    }
  };
  for (const root of rootElement.rootElements ?? []) if (root.$type === 'bpmn:Process') visit(root);
  const { xml: linked } = await moddle.toXML(rootElement, { format: true });
  return layoutProcess(linked);
}
