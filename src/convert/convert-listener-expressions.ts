import type { Conversion } from './convert.js';
import { JuelUntranslatable, parseJuel, type JuelNode } from './juel.js';
import { attr, BPMN_NS, CAMUNDA_NS, type XNode } from './xml.js';

/**
 * Camunda 7 execution listeners whose expression calls a bean method with arguments:
 * `${documentDelegateService.setInternalStatus(execution, 'in-behandeling')}` and
 * `${execution.setVariable("size", documentDelegateService.findValueByJsonPointer("/size", execution))}`.
 * Each becomes a job listener whose type names the bean and method (as a delegate expression does), with the
 * arguments in listener-scoped job headers, so the worker is asked exactly what the expression asked. Only literal
 * arguments and `execution` (this instance, which the job carries) can be passed that way; anything the expression
 * would compute at run time is blocked, because the worker could not see the value Camunda 7 would have passed.
 */

/**
 * The job header with what the listener asks, as a JSON array of calls in model order (one, or several listeners
 * of the same element and event with the same job type, which Zeebe runs once): each call has the original
 * `expression`, its `arguments` (literals as JSON values, `execution` as {@link EXECUTION_ARGUMENT}) and, for
 * `execution.setVariable(name, …)`, the `resultVariable` the worker completes the job with.
 */
export const CALLS_HEADER = 'camunda7Calls';
/** How `execution` appears among the arguments: an object, which no literal argument can be. */
export const EXECUTION_ARGUMENT = { ref: 'execution' } as const;

export interface Camunda7Call {
  readonly expression: string;
  readonly arguments: unknown[];
  readonly resultVariable?: string;
}

const FEEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENGINE_OBJECTS = new Set(['execution', 'task', 'authenticatedUserId']);

export interface ListenerCall {
  /** The job type: `bean.method`. */
  readonly type: string;
  readonly call: Camunda7Call;
}

/** The literal value of an argument, or the execution marker; throws for anything computed. */
function argument(arg: JuelNode, position: number): unknown {
  if (arg.k === 'id' && arg.name === 'execution') return EXECUTION_ARGUMENT;
  if (arg.k === 'lit') return JSON.parse(arg.feel) as unknown;
  throw new JuelUntranslatable(`argument ${position} is computed at run time (only literals and execution can be passed to a listener job); compute it in the worker from the job's variables`);
}

function beanCall(node: JuelNode): { type: string; args: unknown[] } {
  if (node.k !== 'call' || node.obj?.k !== 'id' || ENGINE_OBJECTS.has(node.obj.name)) {
    throw new JuelUntranslatable('it is not a call of a bean method (bean.method(…))');
  }
  return { type: `${node.obj.name}.${node.name}`, args: node.args.map((a, i) => argument(a, i + 1)) };
}

function localInputs(owner: XNode): Set<string> {
  const ext = owner.children.find((ch) => ch.uri === BPMN_NS && ch.local === 'extensionElements');
  const io = ext?.children.filter((ch) => ch.uri === CAMUNDA_NS && ch.local === 'inputOutput') ?? [];
  return new Set(io.flatMap((x) => x.children.filter((p) => p.local === 'inputParameter').map((p) => attr(p, '', 'name')?.value ?? '')));
}

/** A listener expression with arguments as a job type and headers; throws JuelUntranslatable with the reason. */
export function listenerCall(expression: string): ListenerCall {
  const inner = /^\s*[$#]\{([\s\S]*)\}\s*$/.exec(expression)?.[1];
  if (inner === undefined) throw new JuelUntranslatable('it is not one ${…} expression');
  const tree = parseJuel(inner);
  let resultVariable: string | undefined;
  let call = tree;
  if (tree.k === 'call' && tree.obj?.k === 'id' && tree.obj.name === 'execution' && tree.name === 'setVariable') {
    const [name, value] = tree.args;
    if (tree.args.length !== 2 || name?.k !== 'lit' || !name.feel.startsWith('"')) throw new JuelUntranslatable('execution.setVariable needs a literal variable name and a value');
    resultVariable = JSON.parse(name.feel) as string;
    if (!FEEL_NAME.test(resultVariable)) throw new JuelUntranslatable(`the variable name '${resultVariable}' is not a FEEL name`);
    if (value?.k !== 'call' || value.obj?.k !== 'id' || ENGINE_OBJECTS.has(value.obj.name)) {
      throw new JuelUntranslatable('execution.setVariable with a value that is not a bean method call has no listener form in govflow; set the variable with an output mapping (zeebe:output) or in a job worker');
    }
    call = value;
  }
  const { type, args } = beanCall(call);
  return { type, call: { expression: expression.trim(), arguments: args, ...(resultVariable ? { resultVariable } : {}) } };
}

/**
 * Converts one `camunda:executionListener` with such an expression on `owner` (eventType already mapped to Zeebe's:
 * a start listener on a start or boundary event is its end listener). Reports it as review, or blocked with why.
 */
export function convertListenerCall(c: Conversion, node: XNode, owner: XNode, label: string, expression: string, eventType: string, moved: string): void {
  let call: ListenerCall;
  try {
    call = listenerCall(expression);
  } catch (error) {
    if (!(error instanceof JuelUntranslatable)) throw error;
    c.note('blocked', node, `${label} expression '${expression}' is not converted: ${error.message}`);
    return;
  }
  // Zeebe gives a start listener's variables to the element (locals); Camunda 7's setVariable writes where the
  // variable lives, else on the process instance. Only end listeners (and the process's own) write like that here.
  const variable = call.call.resultVariable;
  if (variable && eventType === 'start' && owner.local !== 'process') {
    c.note('blocked', node, `${label} expression '${expression}' sets '${variable}' on the process (Camunda 7), but a start listener's variables are the element's own in govflow (Zeebe) and would be gone after it; make it an end listener of the element before, or set the variable in a job worker`);
    return;
  }
  // Camunda 7's setVariable on an element with an input of that name writes that local; govflow writes outward.
  if (variable && localInputs(owner).has(variable)) {
    c.note('blocked', node, `${label} expression '${expression}' sets '${variable}', which is also an input parameter of this element: Camunda 7 writes that local variable, govflow the one outside it; rename one of them`);
    return;
  }
  const listeners = c.partsOf(owner).executionListeners;
  const last = listeners.at(-1);
  const merged = last?.eventType === eventType && last.type === call.type && last.headers?.[0]?.key === CALLS_HEADER;
  if (merged) {
    // Zeebe runs one listener per event type and job type: the worker makes the calls in order, as Camunda 7 did.
    const calls = JSON.parse(last.headers![0]!.value) as Camunda7Call[];
    last.headers![0]!.value = JSON.stringify([...calls, call.call]);
  } else if (listeners.some((l) => l.eventType === eventType && l.type === call.type)) {
    c.note('blocked', node, `${label} expression '${expression}': a listener of this element with the job type '${call.type}' runs in between, and Zeebe runs each event type and job type once per element; reorder the listeners or move one to another element`);
    return;
  } else {
    listeners.push({ eventType, type: call.type, headers: [{ key: CALLS_HEADER, value: JSON.stringify([call.call]) }] });
  }
  c.removeNode(node);
  const asks = variable
    ? `; the worker completes the job with the variable '${variable}', which is set where it already exists, else on the process instance, as execution.setVariable did`
    : '';
  const how = merged ? `added to the previous ${eventType} listener with job type '${call.type}' (Zeebe runs one listener per job type), as its next call` : `→ zeebe:executionListener ${eventType} job type '${call.type}'${moved}`;
  c.note('review', node, `${label} expression '${expression}' ${how}; the call and its arguments are in the job header ${CALLS_HEADER} (execution = this instance)${asks}: a job worker of that type must do what the method did, and the element waits for it`);
}
