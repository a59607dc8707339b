// Builds small DMN 1.3 models for the decision tests, so each test shows the table it is about.
export interface TableSpec {
  hitPolicy: string;
  aggregation?: string;
  inputs: { name: string; typeRef?: string }[];
  outputs: { name: string; typeRef?: string; values?: string }[];
  /** Each rule: input entries then output entries, as FEEL text. */
  rules: string[][];
  inputValues?: (string | undefined)[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function tableDmn(spec: TableSpec, ns = 'https://www.omg.org/spec/DMN/20191111/MODEL/'): string {
  const inputData = spec.inputs.map((i) => `<inputData id="in_${i.name}" name="${i.name}"><variable name="${i.name}"${i.typeRef ? ` typeRef="${i.typeRef}"` : ''}/></inputData>`).join('\n');
  const reqs = spec.inputs.map((i) => `<informationRequirement><requiredInput href="#in_${i.name}"/></informationRequirement>`).join('');
  const inputs = spec.inputs
    .map((i, k) => {
      const iv = spec.inputValues?.[k];
      return `<input id="col${k}"><inputExpression typeRef="${i.typeRef ?? 'Any'}"><text>${esc(i.name)}</text></inputExpression>${iv ? `<inputValues><text>${esc(iv)}</text></inputValues>` : ''}</input>`;
    })
    .join('');
  const outputs = spec.outputs
    .map((o, k) => `<output id="out${k}" name="${o.name}"${o.typeRef ? ` typeRef="${o.typeRef}"` : ''}>${o.values ? `<outputValues><text>${esc(o.values)}</text></outputValues>` : ''}</output>`)
    .join('');
  const rules = spec.rules
    .map((r, k) => {
      const ins = r.slice(0, spec.inputs.length).map((t) => `<inputEntry><text>${esc(t)}</text></inputEntry>`).join('');
      const outs = r.slice(spec.inputs.length).map((t) => `<outputEntry><text>${esc(t)}</text></outputEntry>`).join('');
      return `<rule id="rule${k + 1}">${ins}${outs}</rule>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="${ns}" id="defs" name="tables" namespace="https://govflow.dev/test">
${inputData}
<decision id="d" name="result"><variable name="result"/>${reqs}
<decisionTable id="table" hitPolicy="${spec.hitPolicy}"${spec.aggregation ? ` aggregation="${spec.aggregation}"` : ''}>${inputs}${outputs}
${rules}
</decisionTable></decision>
</definitions>`;
}
