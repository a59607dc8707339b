// bpmn-auto-layout ships no type declarations; this is the one function govflow uses.
declare module 'bpmn-auto-layout' {
  /** Returns the BPMN XML with diagram interchange (shapes and edges) computed for the first process. */
  export function layoutProcess(xml: string): Promise<string>;
}
