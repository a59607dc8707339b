import { isExpression, stripEquals } from './feel.js';
import { extensions, text, type Node } from './moddle-read.js';
import type { FormBindingSpec, Mapping } from './types.js';

/**
 * Camunda 7 call-activity variable bindings (`camunda:in` / `camunda:out`) with Camunda 7's semantics: only mapped
 * variables pass, in either direction; `variables="all"` passes every variable. `source` names a variable,
 * `sourceExpression` may be FEEL (`= …`, as `govflow convert` writes it); JUEL, `local="true"` and business-key
 * bindings are refused with what to do instead (the extension table lists them).
 */
export interface CallBindings {
  readonly inputs: Mapping[];
  readonly outputs: Mapping[];
  readonly propagateAllParentVariables: boolean;
  readonly propagateAllChildVariables: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why a variable path (a mapping's target, an output collection) names no variable, or undefined when it names one:
 * a dot separates the fields of one variable, so `a..b`, `.a` and `a.` leave a name empty (Zeebe refuses them too).
 */
export function unnamedVariable(path: string): string | undefined {
  return path.split('.').includes('') ? 'names no variable: it has an empty name before or after a dot' : undefined;
}

export function camundaCallBindings(node: Node, refuse: (what: string) => void): CallBindings {
  const read = (type: 'camunda:In' | 'camunda:Out') => {
    let all = false;
    const mappings: Mapping[] = [];
    for (const binding of extensions(node, type)) {
      if (text(binding, 'businessKey') !== undefined) continue; // refused by the extension table
      if (text(binding, 'local') === 'true') refuse(`${type} local="true" is not supported; map the variables explicitly`);
      if (text(binding, 'variables') === 'all') {
        all = true;
        continue;
      }
      const target = text(binding, 'target');
      const source = text(binding, 'source');
      const expression = text(binding, 'sourceExpression');
      if (!target) {
        refuse(`${type} without a target`);
      } else if (unnamedVariable(target)) {
        refuse(`${type} target '${target}' ${unnamedVariable(target)}`);
      } else if (source !== undefined) {
        if (NAME.test(source)) mappings.push({ source, target });
        else refuse(`${type} source '${source}' is not a plain variable name; use sourceExpression="= …" in FEEL`);
      } else if (expression !== undefined && isExpression(expression)) {
        mappings.push({ source: stripEquals(expression), target });
      } else {
        refuse(`${type} sourceExpression '${expression ?? ''}' is not FEEL; run govflow convert or write "= …"`);
      }
    }
    return { all, mappings };
  };
  const ins = read('camunda:In');
  const outs = read('camunda:Out');
  if (outs.all && outs.mappings.length > 0) refuse('camunda:out variables="all" together with named camunda:out mappings is not supported; map every variable you need by name');
  return { inputs: ins.mappings, outputs: outs.mappings, propagateAllParentVariables: ins.all, propagateAllChildVariables: outs.all };
}

/**
 * A user task form's `bindingType` (Zeebe: latest, deployment, versionTag with `versionTag`): undefined for latest,
 * the default; a sentence for the deploy error when it cannot be read.
 */
export function formBindingOf(kind: string | undefined, versionTag: string | undefined): FormBindingSpec | string | undefined {
  switch (kind ?? 'latest') {
    case 'latest': return undefined;
    case 'deployment': return { type: 'deployment' };
    case 'versionTag': return versionTag?.trim() ? { type: 'versionTag', versionTag: versionTag.trim() } : 'binds its form by version tag but names none (versionTag)';
    default: return `has form binding type '${kind ?? ''}'; use latest, deployment or versionTag`;
  }
}
