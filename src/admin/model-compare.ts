import { XMLParser } from 'fast-xml-parser';
import { compileBpmn } from '../engine/index.js';

/**
 * "No changes" on redeploy: a model saved from the modeller or the decision-table editor differs in bytes from the
 * deployed file (layout, formatting, namespace prefixes) without meaning anything else. These compare what the
 * engine runs, so saving an unchanged diagram or table deploys no new version.
 */

/** The empty diagram a new process starts from: a start event in a process with the chosen id. */
export function newProcessXml(key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="definitions-${key}" targetNamespace="https://govflow.example/processes">
  <bpmn:process id="${key}" isExecutable="true"><bpmn:startEvent id="start" name="Start" /></bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="${key}"><bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

/** The compiled model without where each element sits in the file (lines move when the XML is re-formatted). */
function withoutLines(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLines);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'line').map(([k, v]) => [k, withoutLines(v)]));
  return value;
}

/** Whether two BPMN files compile to the same process `key` (both must compile; the caller checked `next`). */
export async function sameProcess(deployed: string, next: string, key: string): Promise<boolean> {
  const [a, b] = await Promise.all([compileBpmn(deployed, `${key}.bpmn`), compileBpmn(next, `${key}.bpmn`)]);
  const pick = (r: typeof a): string => JSON.stringify(withoutLines(r.processes.find((p) => p.id === key) ?? null));
  return pick(a) === pick(b);
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, trimValues: true, ignoreDeclaration: true, ignorePiTags: true });

/** A DMN document as data: namespace prefixes, namespace declarations, comments and diagram interchange dropped. */
function canonicalDmn(xml: string): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      const entries = Object.entries(value).filter(([k]) => !k.startsWith('@xmlns') && k !== 'DMNDI' && k !== '#comment' && !k.startsWith('@_'))
        .map(([k, v]) => [k, strip(v)] as const).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      return Object.fromEntries(entries);
    }
    return value;
  };
  return JSON.stringify(strip(parser.parse(xml)));
}

/** Whether two DMN files say the same thing (the same decisions, tables, rules and expressions). */
export function sameDecisionModel(deployed: string, next: string): boolean {
  try {
    return canonicalDmn(deployed) === canonicalDmn(next);
  } catch {
    return false;
  }
}
