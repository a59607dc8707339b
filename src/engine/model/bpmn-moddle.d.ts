// bpmn-moddle ships its types outside its package entry point; this is the part govflow uses.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<unknown>;
  }
}
