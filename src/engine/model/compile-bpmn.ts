import { BpmnModdle } from 'bpmn-moddle';
import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { GovflowError } from '../../kernel/index.js';
import { assertFeel, isExpression, stripEquals } from './feel.js';
import { extension, extensions, lineIndex, nodes, Problems, prop, text, xmlErrorPosition, type Node } from './moddle-read.js';
import { camundaCallBindings, formBindingOf, unnamedVariable } from './call-bindings.js';
import { checkExtensions, CAMUNDA_NS, ZEEBE_NS } from './extensions.js';
import { compileListeners, type ListenerSite } from './compile-listeners.js';
import { linkCompensation } from './compile-compensation.js';
import { compileConditional } from './compile-conditional.js';
import { checkEventGatewayTargets } from './compile-gateways.js';
import { compileTaskListeners } from './compile-task-listeners.js';
import { cycleProblem } from './cron.js';
import { invalidTimer, parseIsoDate, parseIsoDuration } from './iso-time.js';
import type {
  DecisionBindingSpec, ElementModel, ElementType, EventKind, EventSpec, FlowModel, Mapping, MultiInstanceSpec, ProcessModel, TimerSpec, UserTaskSpec,
} from './types.js';

/** Models larger than this are refused before parsing (a deployment is a model, not a data dump). */
export const MAX_BPMN_BYTES = 5 * 1024 * 1024;

const ELEMENT_TYPE_BY_MODDLE: Record<string, ElementType> = {
  'bpmn:StartEvent': 'startEvent', 'bpmn:EndEvent': 'endEvent', 'bpmn:IntermediateCatchEvent': 'intermediateCatchEvent',
  'bpmn:IntermediateThrowEvent': 'intermediateThrowEvent', 'bpmn:BoundaryEvent': 'boundaryEvent', 'bpmn:Task': 'task',
  'bpmn:UserTask': 'userTask', 'bpmn:ServiceTask': 'serviceTask', 'bpmn:SendTask': 'sendTask', 'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ManualTask': 'manualTask', 'bpmn:ScriptTask': 'scriptTask', 'bpmn:BusinessRuleTask': 'businessRuleTask',
  'bpmn:ExclusiveGateway': 'exclusiveGateway', 'bpmn:ParallelGateway': 'parallelGateway', 'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway', 'bpmn:SubProcess': 'subProcess', 'bpmn:Transaction': 'subProcess', 'bpmn:CallActivity': 'callActivity',
};
/** Carry no behaviour; ignored by design (documentation and data artefacts). */
const IGNORED = new Set(['bpmn:SequenceFlow', 'bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);
const EVENT_KIND_BY_DEFINITION: Record<string, EventSpec['kind']> = {
  'bpmn:MessageEventDefinition': 'message', 'bpmn:TimerEventDefinition': 'timer', 'bpmn:SignalEventDefinition': 'signal',
  'bpmn:ErrorEventDefinition': 'error', 'bpmn:EscalationEventDefinition': 'escalation', 'bpmn:TerminateEventDefinition': 'terminate',
  'bpmn:LinkEventDefinition': 'link', 'bpmn:CompensateEventDefinition': 'compensation', 'bpmn:CancelEventDefinition': 'cancel', 'bpmn:ConditionalEventDefinition': 'conditional',
};
/** Which event triggers the engine executes, per event type. */
const SUPPORTED_EVENTS: Record<string, ReadonlySet<EventSpec['kind']>> = {
  startEvent: new Set(['none', 'message', 'timer', 'signal', 'error', 'escalation', 'conditional']),
  endEvent: new Set(['none', 'terminate', 'error', 'message', 'escalation', 'signal', 'compensation', 'cancel']),
  intermediateCatchEvent: new Set(['message', 'timer', 'signal', 'link', 'conditional']),
  intermediateThrowEvent: new Set(['none', 'message', 'signal', 'escalation', 'link', 'compensation']),
  boundaryEvent: new Set(['message', 'timer', 'signal', 'error', 'escalation', 'compensation', 'cancel', 'conditional']),
};
const FEEL_LANGUAGES = new Set([
  'feel', 'https://www.omg.org/spec/dmn/20191111/feel/', 'http://www.omg.org/spec/feel/20140401',
  'https://www.omg.org/spec/dmn/20230324/feel/', 'http://www.omg.org/spec/dmn/20180521/feel/',
]);

// The Camunda 7 and Zeebe descriptors cannot be loaded together (both define `modelerTemplate`), so the
// namespace the file declares picks one; a file using neither gets plain BPMN.
function moddleFor(xml: string): BpmnModdle {
  if (xml.includes(ZEEBE_NS)) return new BpmnModdle({ zeebe: zeebeDescriptor });
  if (xml.includes(CAMUNDA_NS)) return new BpmnModdle({ camunda: camundaDescriptor });
  return new BpmnModdle({});
}

export interface CompiledDeployment {
  readonly processes: ProcessModel[];
  /** Non-fatal remarks (e.g. a non-executable process was deployed as documentation). */
  readonly warnings: string[];
  /** The Zeebe / Camunda 7 extension keys the model uses that are run or inert (see extensions.ts). */
  readonly extensions: readonly string[];
}

/**
 * Parses and validates BPMN 2.0 XML (bpmn.io / Camunda Modeler 7 and 8, and other tools) into executable models.
 * Everything that could fail later is checked here: unsupported elements and expression languages, FEEL syntax,
 * timers, references, and cycles that could spin without ever waiting. All problems are reported at once.
 */
export async function compileBpmn(xml: string, source = 'model.bpmn'): Promise<CompiledDeployment> {
  if (Buffer.byteLength(xml, 'utf8') > MAX_BPMN_BYTES) {
    throw new GovflowError('GOVFLOW_ERR_PAYLOAD_TOO_LARGE', `${source} is larger than ${MAX_BPMN_BYTES / 1024 / 1024} MB`, [{ where: source, message: 'file too large' }]);
  }
  const moddle = moddleFor(xml);
  let definitions: Node;
  let parseWarnings: { message: string; property?: string; value?: string }[];
  try {
    const parsed = (await moddle.fromXML(xml, 'bpmn:Definitions')) as unknown as { rootElement: Node; warnings: typeof parseWarnings };
    definitions = parsed.rootElement;
    parseWarnings = parsed.warnings;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const pos = xmlErrorPosition(message);
    throw new GovflowError('GOVFLOW_ERR_BPMN_PARSE', `${source} is not valid BPMN 2.0 XML: ${message.split('\n')[0]}`, [
      { where: source, line: pos.line, column: pos.column, message: message.split('\n')[0] ?? message },
    ]);
  }
  if (!definitions || definitions.$type !== 'bpmn:Definitions') {
    throw new GovflowError('GOVFLOW_ERR_BPMN_PARSE', `${source} has no bpmn:definitions root element`, [{ where: source, message: 'no bpmn:definitions root' }]);
  }
  const lineOf = lineIndex(xml);
  const problems = new Problems();
  const textWarnings: string[] = [];
  for (const warning of parseWarnings) {
    // An activityRef that names nothing would otherwise read as "compensate everything".
    if (warning.property === 'bpmn:activityRef') problems.add('GOVFLOW_ERR_BPMN_INVALID', source, undefined, `a compensation event names activity '${warning.value ?? ''}', which does not exist`);
    // Unresolved references in data and vendor attributes are harmless; the ones execution needs (flow ends,
    // messages, signals, errors) are reported by the checks below with the element that holds them.
    // Unknown vendor extensions are legal BPMN; only broken structure is a problem.
    if (/unparsable content/.test(warning.message)) {
      const pos = xmlErrorPosition(warning.message);
      // Stray text among elements (a model edited by hand) means nothing to BPMN, and Zeebe deploys such files: a
      // warning. Anything with markup in it is broken structure: refused.
      const content = /unparsable content ([^]*?) detected/.exec(warning.message)?.[1];
      if (content !== undefined && !content.includes('<')) textWarnings.push(`text '${content.trim().slice(0, 40)}' at line ${pos.line ?? '?'} is not part of any element; ignored`);
      else problems.add('GOVFLOW_ERR_BPMN_PARSE', source, pos.line, warning.message.split('\n')[0] ?? warning.message);
    }
  }
  // Nothing from the Zeebe and Camunda 7 namespaces is ignored: the table in extensions.ts runs it or refuses it.
  const dialect = xml.includes(ZEEBE_NS) ? 'zeebe' : xml.includes(CAMUNDA_NS) ? 'camunda' : undefined;
  const extensions = checkExtensions(definitions, dialect, xml, lineOf);
  for (const r of extensions.refusals) problems.add('GOVFLOW_ERR_BPMN_EXTENSION_REFUSED', r.where, r.line, r.message, { type: r.type, extension: r.extension, instead: r.instead });
  const expressionLanguage = (text(definitions, 'expressionLanguage') ?? '').toLowerCase();
  const defaultLanguageIsFeel = expressionLanguage === '' || expressionLanguage === 'http://www.w3.org/1999/xpath' || FEEL_LANGUAGES.has(expressionLanguage);

  const processes: ProcessModel[] = [];
  const warnings: string[] = [...textWarnings, ...extensions.warnings];
  const rootProcesses = nodes(definitions, 'rootElements').filter((r) => r.$type === 'bpmn:Process');
  if (rootProcesses.length === 0) problems.add('GOVFLOW_ERR_BPMN_INVALID', source, undefined, 'the file contains no process');
  for (const process of rootProcesses) {
    const compiler = new ProcessCompiler(process, problems, lineOf, defaultLanguageIsFeel, dialect);
    const model = compiler.compile();
    if (!model.isExecutable) warnings.push(`process ${model.id} is marked isExecutable="false"; deployed anyway`);
    processes.push(model);
  }
  problems.throwIfAny(source);
  return { processes, warnings, extensions: extensions.accepted };
}

class ProcessCompiler {
  private readonly elements: Record<string, ElementModel> = {};
  private readonly flows: Record<string, FlowModel> = {};
  /** Elements refused with a problem already reported, so flows touching them add no second message. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly process: Node,
    private readonly problems: Problems,
    private readonly lineOf: (id: string | undefined) => number | undefined,
    private readonly defaultLanguageIsFeel: boolean,
    private readonly dialect: 'zeebe' | 'camunda' | undefined,
  ) {}

  compile(): ProcessModel {
    const id = this.process.id ?? 'process';
    const scope = this.compileScope(this.process, null);
    this.checkCycles();
    checkEventGatewayTargets(this.elements, this.flows, (at, what) => this.problems.add('GOVFLOW_ERR_BPMN_INVALID', at, this.lineOf(at), what));
    linkCompensation(this.process, this.elements, { invalid: (at, what) => this.problems.add('GOVFLOW_ERR_BPMN_INVALID', at, this.lineOf(at), what), unsupported: (at, what) => this.problems.add('GOVFLOW_ERR_BPMN_UNSUPPORTED', at, this.lineOf(at), what) });
    const listeners = compileListeners(this.process, this.listenerSite(this.process, 'process', undefined, false));
    const triggered = Object.values(this.elements).filter((e) => e.parent === null && e.type === 'startEvent' && e.event && e.event.kind !== 'none').map((e) => e.id);
    return {
      id,
      name: text(this.process, 'name'),
      isExecutable: prop<boolean>(this.process, 'isExecutable') !== false,
      elements: this.elements,
      flows: this.flows,
      startEvent: scope.startEvent,
      triggeredStartEvents: triggered,
      eventSubProcesses: scope.eventSubProcesses,
      inclusiveJoinSources: this.inclusiveJoinSources(),
      ...(listeners ? { listeners } : {}),
    };
  }

  private unsupported(node: Node, what: string): void {
    this.problems.add('GOVFLOW_ERR_BPMN_UNSUPPORTED', node.id ?? node.$type, this.lineOf(node.id), `${node.$type.replace('bpmn:', '')} ${node.id ?? ''}: ${what}`.replace('  ', ' '));
  }
  /**
   * The version a business-rule task binds to: Zeebe `bindingType` (latest | deployment | versionTag, with
   * `versionTag`) on `zeebe:calledDecision`, or Camunda 7 `decisionRefBinding` (latest | deployment | version |
   * versionTag, with `decisionRefVersion` / `decisionRefVersionTag`). Undefined for latest, the default.
   */
  private decisionBinding(node: Node, called: Node | undefined): DecisionBindingSpec | undefined {
    const attrs = prop<Record<string, unknown>>(node, '$attrs') ?? {};
    const kind = text(called, 'bindingType') ?? text(node, 'decisionRefBinding') ?? 'latest';
    const tag = text(called, 'versionTag') ?? (typeof attrs['camunda:decisionRefVersionTag'] === 'string' ? attrs['camunda:decisionRefVersionTag'] : undefined);
    switch (kind) {
      case 'latest':
        return undefined;
      case 'deployment':
        return { type: 'deployment' };
      case 'version': {
        const raw = text(node, 'decisionRefVersion') ?? '';
        if (/^[1-9]\d*$/.test(raw.trim())) return { type: 'version', version: Number(raw.trim()) };
        this.invalid(node, `business rule task ${node.id ?? ''} binds decision version '${raw}', which is not a version number (decisionRefVersion)`);
        return undefined;
      }
      case 'versionTag':
        if (tag?.trim()) return { type: 'versionTag', versionTag: tag.trim() };
        this.invalid(node, `business rule task ${node.id ?? ''} binds by version tag but names none (versionTag)`);
        return undefined;
      default:
        this.invalid(node, `business rule task ${node.id ?? ''} has binding type '${kind}'; use latest, deployment, version or versionTag`);
        return undefined;
    }
  }

  private invalid(node: Node, what: string): void {
    this.problems.add('GOVFLOW_ERR_BPMN_INVALID', node.id ?? node.$type, this.lineOf(node.id), what);
  }

  /** Compiles the flow elements of a process or sub-process; returns its none start event and event sub-processes. */
  private compileScope(container: Node, parent: string | null): { startEvent?: string; eventSubProcesses: string[] } {
    const flowElements = nodes(container, 'flowElements');
    const eventSubProcesses: string[] = [];
    const noneStarts: string[] = [];
    for (const node of flowElements) {
      if (node.$type === 'bpmn:SequenceFlow') this.compileFlow(node);
    }
    for (const node of flowElements) {
      if (IGNORED.has(node.$type)) continue;
      const type = ELEMENT_TYPE_BY_MODDLE[node.$type];
      if (!type) {
        const reason: Record<string, string> = {
          'bpmn:ComplexGateway': 'complex gateways are not supported; use inclusive or exclusive gateways',
          'bpmn:AdHocSubProcess': 'ad-hoc sub-processes are not supported',
          'bpmn:ChoreographyTask': 'choreographies are not executable',
        };
        this.unsupported(node, reason[node.$type] ?? 'this element type is not supported by the engine');
        if (node.id) this.refused.add(node.id);
        continue;
      }
      const element = this.compileElement(node, type, parent);
      if (!element) {
        if (node.id) this.refused.add(node.id);
        continue;
      }
      this.elements[element.id] = element;
      if (type === 'subProcess' && element.triggeredByEvent) eventSubProcesses.push(element.id);
      if (type === 'startEvent' && element.event?.kind === 'none') noneStarts.push(element.id);
    }
    if (noneStarts.length > 1) this.invalid(container, `${container.id ?? 'the process'} has ${noneStarts.length} none start events (${noneStarts.join(', ')}); only one is allowed`);
    const isEventSub = prop<boolean>(container, 'triggeredByEvent') === true;
    if (container.$type !== 'bpmn:Process' && !isEventSub && noneStarts.length === 0 && flowElements.length > 0) {
      this.invalid(container, `sub-process ${container.id} needs a none start event`);
    }
    return { startEvent: noneStarts[0], eventSubProcesses };
  }

  private condition(node: Node, owner: Node, what: string): string | undefined {
    const expr = prop<Node>(node, what === 'condition' ? 'conditionExpression' : what);
    if (!expr) return undefined;
    return this.feelBody(expr, owner, what);
  }

  /** The FEEL text of a bpmn:FormalExpression, or undefined (with a problem) when it is another language. */
  private feelBody(expr: Node, owner: Node, what: string): string | undefined {
    const body = (text(expr, 'body') ?? '').trim();
    const language = (text(expr, 'language') ?? '').toLowerCase();
    if (language && !FEEL_LANGUAGES.has(language)) {
      this.unsupported(owner, `${what} is written in '${language}'; only FEEL expressions are supported`);
      return undefined;
    }
    if (/^[$#]\{[\s\S]*\}$/.test(body)) {
      this.unsupported(owner, `${what} '${body}' is a JUEL expression; only FEEL expressions are supported (write '= …')`);
      return undefined;
    }
    if (!language && !this.defaultLanguageIsFeel) {
      this.unsupported(owner, `${what} uses the definitions' expression language; only FEEL is supported`);
      return undefined;
    }
    const feel = stripEquals(body);
    assertFeelSafely(this.problems, feel, { elementId: owner.id ?? '?', what, line: this.lineOf(owner.id) });
    return feel;
  }

  private compileFlow(node: Node): void {
    const source = prop<Node>(node, 'sourceRef');
    const target = prop<Node>(node, 'targetRef');
    if (!source?.id || !target?.id) {
      this.invalid(node, `sequence flow ${node.id} must connect a source and a target`);
      return;
    }
    const condition = this.condition(node, node, 'condition');
    this.flows[node.id!] = { id: node.id!, source: source.id, target: target.id, ...(condition !== undefined ? { condition } : {}) };
  }

  /** A static value or a `=FEEL` expression in an extension attribute; checks the FEEL syntax. */
  private value(owner: Node, raw: string | undefined, what: string): string | undefined {
    if (raw === undefined || raw === '') return undefined;
    if (/^[$#]\{[\s\S]*\}$/.test(raw.trim())) {
      this.unsupported(owner, `${what} '${raw}' is a JUEL expression; only FEEL expressions are supported (write '= …')`);
      return undefined;
    }
    if (isExpression(raw)) assertFeelSafely(this.problems, stripEquals(raw), { elementId: owner.id ?? '?', what, line: this.lineOf(owner.id) });
    return raw;
  }

  private compileElement(node: Node, type: ElementType, parent: string | null): ElementModel | undefined {
    const id = node.id;
    if (!id) {
      this.invalid(node, `${node.$type} without an id`);
      return undefined;
    }
    const incoming = Object.values(this.flows).filter((f) => f.target === id).map((f) => f.id);
    const outgoing = Object.values(this.flows).filter((f) => f.source === id).map((f) => f.id);
    const base: { -readonly [K in keyof ElementModel]: ElementModel[K] } = {
      id, type, parent, incoming, outgoing, line: this.lineOf(id),
      ...(text(node, 'name') !== undefined ? { name: text(node, 'name') } : {}),
    };
    const defaultFlow = prop<Node>(node, 'default');
    if (defaultFlow?.id) base.defaultFlow = defaultFlow.id;

    if (type.endsWith('Event')) {
      const event = this.compileEvent(node, type);
      if (!event) return undefined;
      base.event = event;
      if (type === 'boundaryEvent') {
        const attached = prop<Node>(node, 'attachedToRef');
        if (!attached?.id) this.invalid(node, `boundary event ${id} is not attached to an activity`);
        else base.attachedTo = attached.id;
        base.cancelActivity = prop<boolean>(node, 'cancelActivity') !== false;
        if (event.kind === 'error' && !base.cancelActivity) this.invalid(node, `error boundary event ${id} must interrupt its activity`);
      }
      if (type === 'startEvent' && parent !== null) base.cancelActivity = prop<boolean>(node, 'isInterrupting') !== false;
      // Message throw events and message end events are job-based when they name a job type (Zeebe).
      if ((type === 'endEvent' || type === 'intermediateThrowEvent') && event.kind === 'message') this.compileJob(node, base, false);
    }
    this.compileMappings(node, base);
    switch (type) {
      case 'serviceTask':
      case 'sendTask':
        this.compileJob(node, base, type === 'serviceTask');
        break;
      case 'businessRuleTask': {
        const called = extension(node, 'zeebe:CalledDecision');
        const camundaRef = text(node, 'decisionRef');
        if (called || camundaRef) {
          const decisionId = text(called, 'decisionId') ?? camundaRef ?? '';
          const resultVariable = text(called, 'resultVariable') ?? text(node, 'resultVariable') ?? 'result';
          if (!decisionId) this.invalid(node, `business rule task ${id} names no decision (zeebe:calledDecision decisionId)`);
          const binding = this.decisionBinding(node, called);
          base.decision = { decisionId, resultVariable, ...(binding ? { binding } : {}) };
        } else {
          this.compileJob(node, base, true);
        }
        break;
      }
      case 'scriptTask':
        this.compileScript(node, base);
        break;
      case 'userTask':
        base.userTask = this.compileUserTask(node);
        if (extension(node, 'zeebe:TaskListeners')) {
          const taskListeners = compileTaskListeners(node, this.listenerSite(node, type, undefined, false));
          if (taskListeners) base.taskListeners = taskListeners;
        }
        break;
      case 'receiveTask': {
        const message = prop<Node>(node, 'messageRef');
        if (!message) this.invalid(node, `receive task ${id} names no message (messageRef)`);
        else base.event = { kind: 'message', ...this.messageSpec(message, node) };
        break;
      }
      case 'callActivity': {
        const called = extension(node, 'zeebe:CalledElement');
        const processId = text(called, 'processId') ?? text(node, 'calledElement');
        if (!processId) this.invalid(node, `call activity ${id} names no process to call`);
        else {
          this.value(node, processId, 'called process id');
          const binding = text(called, 'bindingType') ?? text(node, 'calledElementBinding') ?? 'latest';
          if (binding !== 'latest') this.unsupported(node, `call activity binding '${binding}' is not supported; govflow calls the latest version of a process`);
          base.calledElement = {
            processId,
            propagateAllChildVariables: prop<boolean>(called, 'propagateAllChildVariables') !== false,
            propagateAllParentVariables: prop<boolean>(called, 'propagateAllParentVariables') !== false,
          };
          // A Camunda 7 call activity passes only what camunda:in / camunda:out map (Camunda 7's semantics).
          if (!called && this.dialect === 'camunda') {
            const bindings = camundaCallBindings(node, (what) => this.unsupported(node, what));
            base.calledElement = { processId, propagateAllChildVariables: bindings.propagateAllChildVariables, propagateAllParentVariables: bindings.propagateAllParentVariables };
            if (bindings.inputs.length) base.inputs = [...(base.inputs ?? []), ...bindings.inputs];
            if (bindings.outputs.length) base.outputs = [...(base.outputs ?? []), ...bindings.outputs];
          }
        }
        break;
      }
      case 'subProcess': {
        base.triggeredByEvent = prop<boolean>(node, 'triggeredByEvent') === true;
        if (node.$type === 'bpmn:Transaction') base.transaction = true;
        const inner = this.compileScope(node, id);
        if (inner.startEvent) base.startEvent = inner.startEvent;
        base.eventSubProcesses = inner.eventSubProcesses;
        if (base.triggeredByEvent) {
          const starts = nodes(node, 'flowElements').filter((n) => n.$type === 'bpmn:StartEvent');
          if (starts.length !== 1) this.invalid(node, `event sub-process ${id} needs exactly one start event`);
          else if (starts[0]?.id) base.startEvent = starts[0].id;
          if (incoming.length > 0 || outgoing.length > 0) this.invalid(node, `event sub-process ${id} must not have sequence flows`);
        }
        break;
      }
      case 'exclusiveGateway':
      case 'inclusiveGateway':
        if (outgoing.length === 0) this.invalid(node, `gateway ${id} has no outgoing sequence flow`);
        break;
      case 'eventBasedGateway':
        if (outgoing.length < 2) this.invalid(node, `event-based gateway ${id} needs at least two outgoing flows`);
        break;
      default:
        break;
    }
    const loop = prop<Node>(node, 'loopCharacteristics');
    if (loop) {
      if (loop.$type === 'bpmn:MultiInstanceLoopCharacteristics') base.multiInstance = this.compileMultiInstance(loop, node);
      else this.unsupported(node, 'standard loops are not supported; use multi-instance');
    }
    if (text(node, 'resultVariable') !== undefined && type !== 'businessRuleTask' && type !== 'scriptTask') this.unsupported(node, 'camunda:resultVariable only means something on a business rule or script task; remove it');
    if (prop<boolean>(node, 'isForCompensation')) base.isForCompensation = true;
    const listeners = compileListeners(node, this.listenerSite(node, type, base.event?.kind, base.triggeredByEvent === true));
    if (listeners) base.listeners = listeners;
    return base;
  }

  private listenerSite(node: Node, type: ListenerSite['type'], eventKind: EventKind | undefined, triggeredByEvent: boolean): ListenerSite {
    return {
      type, eventKind, triggeredByEvent,
      value: (raw, what) => this.value(node, raw, what),
      unsupported: (what) => this.unsupported(node, what),
      invalid: (what) => this.invalid(node, `${node.id ?? node.$type}: ${what}`),
    };
  }

  private compileJob(node: Node, base: { taskType?: string; retries?: number; headers?: Record<string, string> }, required: boolean): void {
    const definition = extension(node, 'zeebe:TaskDefinition');
    const camundaType = text(node, 'type');
    const type = text(definition, 'type') ?? (camundaType === 'external' ? text(node, 'topic') : undefined);
    if (!type) {
      // Java delegates and expressions are refused by the extension table, with what to do instead.
      const delegated = text(node, 'class') ?? text(node, 'delegateExpression') ?? text(node, 'expression');
      if (required && !delegated) {
        this.invalid(node, `${node.$type.replace('bpmn:', '')} ${node.id} has no job type (zeebe:taskDefinition type="…")`);
      }
      return;
    }
    base.taskType = this.value(node, type, 'job type') ?? type;
    const retries = text(definition, 'retries');
    base.retries = retries !== undefined && /^\d+$/.test(retries) ? Number(retries) : 3;
    const headers: Record<string, string> = {};
    for (const header of nodes(extension(node, 'zeebe:TaskHeaders'), 'values')) {
      const key = text(header, 'key');
      if (key) headers[key] = text(header, 'value') ?? '';
    }
    base.headers = headers;
  }

  private compileMappings(node: Node, base: { inputs?: readonly Mapping[]; outputs?: readonly Mapping[] }): void {
    const io = extension(node, 'zeebe:IoMapping');
    const read = (params: Node[], what: string): Mapping[] =>
      params.flatMap((p) => {
        const target = text(p, 'target');
        const src = text(p, 'source') ?? '';
        if (!target || unnamedVariable(target)) {
          this.invalid(node, target ? `${what} mapping target '${target}' ${unnamedVariable(target)}` : `${what} mapping without a target`);
          return [];
        }
        const checked = this.value(node, src, `${what} mapping '${target}'`);
        // A source without '=' is a static value; keep it as a FEEL string literal so evaluation is uniform.
        return checked === undefined && src !== '' ? [] : [{ source: isExpression(src) ? stripEquals(src) : JSON.stringify(src), target }];
      });
    if (io) {
      const inputs = read(nodes(io, 'inputParameters'), 'input');
      const outputs = read(nodes(io, 'outputParameters'), 'output');
      if (inputs.length) base.inputs = inputs;
      if (outputs.length) base.outputs = outputs;
    }
  }

  private compileScript(node: Node, base: { script?: { expression: string; resultVariable?: string }; taskType?: string }): void {
    const zeebeScript = extension(node, 'zeebe:Script');
    if (zeebeScript) {
      const expression = text(zeebeScript, 'expression') ?? '';
      const resultVariable = text(zeebeScript, 'resultVariable');
      const feel = stripEquals(expression);
      assertFeelSafely(this.problems, feel, { elementId: node.id ?? '?', what: 'script expression', line: this.lineOf(node.id) });
      base.script = { expression: feel, ...(resultVariable ? { resultVariable } : {}) };
      return;
    }
    if (extension(node, 'zeebe:TaskDefinition')) {
      this.compileJob(node, base, true);
      return;
    }
    const format = (text(node, 'scriptFormat') ?? '').toLowerCase();
    const body = text(node, 'script');
    if (format !== 'feel') {
      this.unsupported(node, `script format '${format || 'unspecified'}' is not supported; only FEEL scripts run (no JavaScript or other languages)`);
      return;
    }
    const feel = stripEquals(body ?? '');
    assertFeelSafely(this.problems, feel, { elementId: node.id ?? '?', what: 'script', line: this.lineOf(node.id) });
    const resultVariable = text(node, 'resultVariable');
    base.script = { expression: feel, ...(resultVariable ? { resultVariable } : {}) };
  }

  private compileUserTask(node: Node): UserTaskSpec {
    const assignment = extension(node, 'zeebe:AssignmentDefinition');
    const schedule = extension(node, 'zeebe:TaskSchedule');
    const form = extension(node, 'zeebe:FormDefinition');
    const priority = extension(node, 'zeebe:PriorityDefinition');
    const spec: Record<string, string | undefined> = {
      assignee: this.value(node, text(assignment, 'assignee') ?? text(node, 'assignee'), 'assignee'),
      candidateGroups: this.value(node, text(assignment, 'candidateGroups') ?? text(node, 'candidateGroups'), 'candidate groups'),
      candidateUsers: this.value(node, text(assignment, 'candidateUsers') ?? text(node, 'candidateUsers'), 'candidate users'),
      dueDate: this.value(node, text(schedule, 'dueDate') ?? text(node, 'dueDate'), 'due date'),
      followUpDate: this.value(node, text(schedule, 'followUpDate') ?? text(node, 'followUpDate'), 'follow-up date'),
      formKey: this.formKey(node, text(form, 'formKey') ?? text(form, 'formId') ?? text(node, 'formKey')),
      priority: this.value(node, text(priority, 'priority') ?? text(node, 'priority'), 'priority'),
    };
    const binding = formBindingOf(text(form, 'bindingType'), text(form, 'versionTag'));
    if (typeof binding === 'string') this.invalid(node, `user task ${node.id ?? ''} ${binding}`);
    return { ...Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)), ...(typeof binding === 'object' ? { formBinding: binding } : {}) } as UserTaskSpec;
  }

  /** An embedded Camunda form (`camunda-forms:bpmn:<id>`) must exist in the process's zeebe:userTaskForm list. */
  private formKey(node: Node, key: string | undefined): string | undefined {
    const embedded = key?.startsWith('camunda-forms:bpmn:') ? key.slice('camunda-forms:bpmn:'.length) : undefined;
    if (embedded !== undefined && !extensions(this.process, 'zeebe:UserTaskForm').some((f) => text(f, 'id') === embedded)) {
      this.invalid(node, `user task ${node.id ?? ''} names the embedded form '${embedded}', which the process does not contain (zeebe:userTaskForm)`);
    }
    return key;
  }

  private compileMultiInstance(loop: Node, owner: Node): MultiInstanceSpec {
    const zeebe = extension(loop, 'zeebe:LoopCharacteristics');
    const expr = (key: string) => {
      const e = prop<Node>(loop, key);
      return e ? this.feelBody(e, owner, key === 'loopCardinality' ? 'loop cardinality' : 'completion condition') : undefined;
    };
    const collection = text(zeebe, 'inputCollection') ?? text(loop, 'collection');
    if (collection && !isExpression(collection) && /^[$#]\{/.test(collection)) this.unsupported(owner, `multi-instance collection '${collection}' is JUEL; use FEEL`);
    const spec: { -readonly [K in keyof MultiInstanceSpec]: MultiInstanceSpec[K] } = { sequential: prop<boolean>(loop, 'isSequential') === true };
    if (collection) {
      const feel = stripEquals(collection);
      assertFeelSafely(this.problems, feel, { elementId: owner.id ?? '?', what: 'input collection', line: this.lineOf(owner.id) });
      spec.inputCollection = feel;
    }
    const element = text(zeebe, 'inputElement') ?? text(loop, 'elementVariable');
    if (element) spec.inputElement = element;
    const outputCollection = text(zeebe, 'outputCollection');
    if (outputCollection) spec.outputCollection = outputCollection;
    if (outputCollection && unnamedVariable(outputCollection)) this.invalid(owner, `multi-instance ${owner.id}'s output collection '${outputCollection}' ${unnamedVariable(outputCollection)}`);
    const outputElement = text(zeebe, 'outputElement');
    if (outputElement) {
      const feel = stripEquals(outputElement);
      assertFeelSafely(this.problems, feel, { elementId: owner.id ?? '?', what: 'output element', line: this.lineOf(owner.id) });
      spec.outputElement = feel;
    }
    const cardinality = expr('loopCardinality');
    if (cardinality) spec.loopCardinality = cardinality;
    const completion = expr('completionCondition');
    if (completion) spec.completionCondition = completion;
    if (!spec.inputCollection && !spec.loopCardinality) this.invalid(owner, `multi-instance ${owner.id} needs an input collection or a loop cardinality`);
    if (spec.inputElement && !spec.inputCollection) this.invalid(owner, `multi-instance ${owner.id} names an input element '${spec.inputElement}' but no input collection to take it from`);
    return spec;
  }

  private messageSpec(message: Node, owner: Node): { messageName: string; correlationKey?: string } {
    const name = text(message, 'name') ?? message.id ?? '';
    const subscription = extension(message, 'zeebe:Subscription');
    const key = text(subscription, 'correlationKey');
    if (key !== undefined && key !== '') {
      const feel = stripEquals(key);
      assertFeelSafely(this.problems, feel, { elementId: owner.id ?? '?', what: `correlation key of message '${name}'`, line: this.lineOf(owner.id) });
      return { messageName: name, correlationKey: feel };
    }
    return { messageName: name };
  }

  private compileEvent(node: Node, type: ElementType): EventSpec | undefined {
    const definitions = [...nodes(node, 'eventDefinitions')];
    if (definitions.length > 1) {
      this.unsupported(node, 'events with several triggers (multiple/parallel multiple) are not supported');
      return undefined;
    }
    const definition = definitions[0];
    if (definition && !EVENT_KIND_BY_DEFINITION[definition.$type]) {
      this.unsupported(node, `${definition.$type.replace('bpmn:', '')} is not supported`);
      return undefined;
    }
    const kind: EventSpec['kind'] = definition ? EVENT_KIND_BY_DEFINITION[definition.$type]! : 'none';
    if (kind === 'compensation' && type === 'startEvent') {
      this.unsupported(node, 'compensation event sub-processes are not supported (nor by Camunda 8); attach a compensation boundary event with its handler to each activity to undo');
      return undefined;
    }
    if (!SUPPORTED_EVENTS[type]?.has(kind)) {
      this.unsupported(node, `a ${kind} ${type.replace(/([A-Z])/g, ' $1').toLowerCase()} is not supported`);
      return undefined;
    }
    switch (kind) {
      case 'message': {
        const message = prop<Node>(definition, 'messageRef');
        if (!message) {
          // A throw without a message can still be job-based (Zeebe); a catch must know what it waits for.
          if (type === 'endEvent' || type === 'intermediateThrowEvent') return { kind };
          this.invalid(node, `message event ${node.id} names no message (messageRef)`);
          return undefined;
        }
        return { kind, ...this.messageSpec(message, node) };
      }
      case 'signal': {
        const signal = prop<Node>(definition, 'signalRef');
        const name = text(signal, 'name') ?? signal?.id;
        if (!name) {
          this.invalid(node, `signal event ${node.id} names no signal (signalRef)`);
          return undefined;
        }
        return { kind, signalName: name };
      }
      case 'error': {
        const error = prop<Node>(definition, 'errorRef');
        const code = text(error, 'errorCode');
        if ((type === 'endEvent') && !code) {
          this.invalid(node, `error end event ${node.id} needs an error with an error code`);
          return undefined;
        }
        return code ? { kind, code } : { kind };
      }
      case 'escalation': {
        const escalation = prop<Node>(definition, 'escalationRef');
        const code = text(escalation, 'escalationCode');
        if ((type === 'endEvent' || type === 'intermediateThrowEvent') && !code) {
          this.invalid(node, `escalation event ${node.id} needs an escalation with a code`);
          return undefined;
        }
        return code ? { kind, code } : { kind };
      }
      case 'timer':
        return this.compileTimer(definition!, node);
      case 'conditional':
        return compileConditional(definition!, node.id ?? '?', (e) => this.feelBody(e, node, 'condition'), { invalid: (w) => this.invalid(node, w), unsupported: (w) => this.unsupported(node, w) });
      case 'compensation': {
        if (prop<boolean>(definition, 'waitForCompletion') === false) this.unsupported(node, 'waitForCompletion="false" is not supported: a compensation event waits for its handlers (as in Camunda 8); remove the attribute');
        const activity = prop<Node>(definition, 'activityRef')?.id;
        return activity ? { kind, activityRef: activity } : { kind };
      }
      case 'link': {
        const name = text(definition, 'name') ?? '';
        if (!name) this.invalid(node, `link event ${node.id} needs a name`);
        return { kind, linkName: name };
      }
      default:
        return { kind };
    }
  }

  private compileTimer(definition: Node, node: Node): EventSpec | undefined {
    const pick = (['timeDuration', 'timeDate', 'timeCycle'] as const).find((k) => prop<Node>(definition, k));
    if (!pick) {
      this.invalid(node, `timer event ${node.id} has no time duration, date or cycle`);
      return undefined;
    }
    const expr = prop<Node>(definition, pick)!;
    const raw = (text(expr, 'body') ?? '').trim();
    const timerType: TimerSpec['type'] = pick === 'timeDuration' ? 'duration' : pick === 'timeDate' ? 'date' : 'cycle';
    const line = this.lineOf(node.id);
    if (/^[$#]\{/.test(raw)) {
      this.unsupported(node, `timer ${timerType} '${raw}' is a JUEL expression; use ISO 8601 or FEEL ('= …')`);
      return undefined;
    }
    if (isExpression(raw)) {
      assertFeelSafely(this.problems, stripEquals(raw), { elementId: node.id ?? '?', what: `timer ${timerType}`, line });
    } else {
      const cycleWhy = timerType === 'cycle' ? cycleProblem(raw) : undefined;
      if (cycleWhy) {
        this.problems.add('GOVFLOW_ERR_BPMN_INVALID', node.id, line, `timer cycle '${raw}' ${cycleWhy}`);
        return undefined;
      }
      const ok = timerType === 'duration' ? parseIsoDuration(raw) : timerType === 'date' ? parseIsoDate(raw) : true;
      if (!ok) {
        const error = invalidTimer(node.id ?? '?', raw, timerType, line);
        this.problems.add('GOVFLOW_ERR_BPMN_INVALID', node.id, line, error.details[0]?.message ?? error.message);
        return undefined;
      }
    }
    return { kind: 'timer', timer: { type: timerType, expression: raw } };
  }

  /** Boundary events are attached after all elements exist. */
  private attachBoundaries(): void {
    const byActivity = new Map<string, string[]>();
    for (const element of Object.values(this.elements)) {
      if (element.type === 'boundaryEvent' && element.attachedTo) {
        const list = byActivity.get(element.attachedTo) ?? [];
        list.push(element.id);
        byActivity.set(element.attachedTo, list);
      }
    }
    for (const [activity, boundaries] of byActivity) {
      const target = this.elements[activity];
      if (target) this.elements[activity] = { ...target, boundaryEvents: boundaries };
    }
  }

  /**
   * A cycle of sequence flows in which no element can wait (no task for people or workers, no catch event,
   * no call) would spin forever inside one transaction; such models are refused at deploy time.
   */
  private checkCycles(): void {
    this.attachBoundaries();
    for (const flow of Object.values(this.flows)) {
      if (!this.elements[flow.source] && !this.isIgnoredRef(flow.source)) this.problems.add('GOVFLOW_ERR_BPMN_INVALID', flow.id, this.lineOf(flow.id), `sequence flow ${flow.id} starts at unknown element '${flow.source}'`);
      if (!this.elements[flow.target] && !this.isIgnoredRef(flow.target)) this.problems.add('GOVFLOW_ERR_BPMN_INVALID', flow.id, this.lineOf(flow.id), `sequence flow ${flow.id} ends at unknown element '${flow.target}'`);
    }
    const canWait = (e: ElementModel): boolean =>
      e.type === 'userTask' || e.type === 'receiveTask' || e.type === 'callActivity' || e.type === 'eventBasedGateway' ||
      e.type === 'intermediateCatchEvent' || e.type === 'subProcess' || (e.type === 'boundaryEvent') ||
      e.taskType !== undefined || (e.boundaryEvents?.length ?? 0) > 0;
    const successors = (id: string): string[] => (this.elements[id]?.outgoing ?? []).map((f) => this.flows[f]?.target).filter((t): t is string => t !== undefined && this.elements[t] !== undefined);
    // Tarjan's strongly connected components over the flow graph.
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const visit = (v: string): void => {
      indices.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const w of successors(v)) {
        if (!indices.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    };
    for (const id of Object.keys(this.elements)) if (!indices.has(id)) visit(id);
    for (const component of components) {
      const isCycle = component.length > 1 || successors(component[0]!).includes(component[0]!);
      if (!isCycle) continue;
      if (component.some((id) => canWait(this.elements[id]!))) continue;
      const first = component.slice().sort()[0]!;
      this.problems.add('GOVFLOW_ERR_BPMN_INVALID', first, this.lineOf(first), `the cycle ${component.reverse().join(' → ')} has no wait state (user task, job, catch event…) and would loop forever`);
    }
  }

  private isIgnoredRef(id: string): boolean {
    if (this.refused.has(id)) return true;
    const flowElements: Node[] = [];
    const collect = (container: Node): void => {
      for (const n of nodes(container, 'flowElements')) {
        flowElements.push(n);
        if (Array.isArray(n['flowElements'])) collect(n);
      }
    };
    collect(this.process);
    const node = flowElements.find((n) => n.id === id);
    return node !== undefined && !ELEMENT_TYPE_BY_MODDLE[node.$type];
  }

  /** For each inclusive join: the elements in its scope from which a token could still arrive. */
  private inclusiveJoinSources(): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    const predecessors = (id: string): string[] => {
      const element = this.elements[id];
      if (!element) return [];
      const preds = element.incoming.map((f) => this.flows[f]?.source).filter((s): s is string => s !== undefined);
      // A token waiting in an activity can leave through its boundary events.
      if (element.type === 'boundaryEvent' && element.attachedTo) preds.push(element.attachedTo);
      return preds;
    };
    for (const gateway of Object.values(this.elements)) {
      if (gateway.type !== 'inclusiveGateway' || gateway.incoming.length < 2) continue;
      const seen = new Set<string>();
      const queue = [...predecessors(gateway.id)];
      while (queue.length > 0) {
        const id = queue.pop()!;
        if (seen.has(id) || id === gateway.id) continue;
        seen.add(id);
        queue.push(...predecessors(id));
      }
      result[gateway.id] = [...seen].sort();
    }
    return result;
  }
}

function assertFeelSafely(problems: Problems, expression: string, site: { elementId: string; what: string; line?: number }): void {
  try {
    assertFeel(expression, site);
  } catch (error) {
    if (error instanceof GovflowError) for (const d of error.details) problems.add('GOVFLOW_ERR_FEEL_SYNTAX', d.where, d.line, d.message);
    else throw error;
  }
}
