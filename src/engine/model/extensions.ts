import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };

/**
 * The one table of what the compiler does with every element and attribute of the Zeebe (Camunda 8) and
 * Camunda 7 extension namespaces. Nothing from those namespaces may be dropped silently: each is executed (the
 * compiler reads it), inert (it has no run-time meaning, not even in Camunda: modeller metadata), or refused at
 * deploy time with what to write instead. Anything the table does not name is refused too, so a newer modeller
 * attribute can never be ignored by accident; test/engine/extension-table.test.ts walks the namespace
 * descriptors and fails for any entry missing here.
 *
 * Keys: `prefix:Type` for an element, `prefix:Type#property` for an attribute or child, where Type is the
 * descriptor type that defines the property (as zeebe-bpmn-moddle / camunda-bpmn-moddle name it).
 */
export type ExtensionHandling =
  | { readonly handling: 'executed'; readonly by: string }
  | { readonly handling: 'inert'; readonly why: string }
  | { readonly handling: 'refused'; readonly instead: string };

const run = (by: string): ExtensionHandling => ({ handling: 'executed', by });
const inert = (why: string): ExtensionHandling => ({ handling: 'inert', why });
const refuse = (instead: string): ExtensionHandling => ({ handling: 'refused', instead });

const MODELLER = inert('modeller metadata (element templates); it has no run-time meaning');
const CONVERT = 'run `govflow convert` on the Camunda 7 model first';
const ASYNC = inert('govflow commits at every wait state and job, so a Camunda 7 asynchronous continuation changes nothing');

const ZEEBE: Record<string, ExtensionHandling> = {
  'zeebe:ZeebeServiceTask#retryCounter': refuse('remove it; retries are set with zeebe:taskDefinition retries'),
  'zeebe:IoMapping': run('input/output mappings'),
  'zeebe:IoMapping#ioMapping': refuse('write zeebe:input / zeebe:output directly inside zeebe:ioMapping'),
  'zeebe:IoMapping#inputParameters': run('input mappings'),
  'zeebe:IoMapping#outputParameters': run('output mappings'),
  'zeebe:InputOutputParameter': run('mapping'),
  'zeebe:InputOutputParameter#source': run('mapping source (static value or =FEEL)'),
  'zeebe:InputOutputParameter#target': run('mapping target variable'),
  'zeebe:Input': run('input mapping'),
  'zeebe:Output': run('output mapping'),
  'zeebe:Subscription': run('message subscription'),
  'zeebe:Subscription#correlationKey': run('message correlation key'),
  'zeebe:TaskHeaders': run('job headers'),
  'zeebe:TaskHeaders#values': run('job headers'),
  'zeebe:Header': run('job header'),
  'zeebe:Header#id': inert('an identifier for the modeller only'),
  'zeebe:Header#key': run('job header name'),
  'zeebe:Header#value': run('job header value'),
  'zeebe:TaskDefinition': run('job type of a service-like task'),
  'zeebe:TaskDefinition#type': run('job type'),
  'zeebe:TaskDefinition#retries': run('job retries'),
  'zeebe:LoopCharacteristics': run('multi-instance'),
  'zeebe:LoopCharacteristics#inputCollection': run('multi-instance input collection'),
  'zeebe:LoopCharacteristics#inputElement': run('multi-instance input element'),
  'zeebe:LoopCharacteristics#outputCollection': run('multi-instance output collection'),
  'zeebe:LoopCharacteristics#outputElement': run('multi-instance output element'),
  'zeebe:CalledElement': run('call activity'),
  'zeebe:CalledElement#processId': run('called process id (static or =FEEL)'),
  'zeebe:CalledElement#processIdExpression': refuse('write the expression in processId as "= …"'),
  'zeebe:CalledElement#propagateAllChildVariables': run('whether all child variables are copied back'),
  'zeebe:CalledElement#propagateAllParentVariables': run('whether all parent variables are passed in'),
  'zeebe:CalledElement#businessId': refuse('remove it; a called process shares its parent case'),
  // An embedded form: the compiler checks that a user task's formKey camunda-forms:bpmn:<id> names one; the form
  // body stays in the deployed source, where a task page reads it by that key.
  'zeebe:UserTaskForm': run('embedded form named by a user task formKey (camunda-forms:bpmn:<id>)'),
  'zeebe:UserTaskForm#id': run('embedded form id'),
  'zeebe:UserTaskForm#body': run('embedded form JSON, kept in the deployed source'),
  'zeebe:FormDefinition': run('user task form'),
  'zeebe:FormDefinition#formKey': run('form key'),
  'zeebe:FormDefinition#formId': run('form id'),
  'zeebe:FormDefinition#externalReference': refuse('name a govflow form with formId (external form URLs are not opened by the workbench)'),
  'zeebe:LinkedResource': refuse('remove it; linked resources are not supported'),
  'zeebe:LinkedResource#resourceId': refuse('remove it; linked resources are not supported'),
  'zeebe:LinkedResource#resourceType': refuse('remove it; linked resources are not supported'),
  'zeebe:LinkedResource#linkName': refuse('remove it; linked resources are not supported'),
  'zeebe:LinkedResources': refuse('remove it; linked resources are not supported'),
  'zeebe:LinkedResources#values': refuse('remove it; linked resources are not supported'),
  'zeebe:UserTask': run('marks a Camunda user task; every govflow user task is one'),
  'zeebe:CalledDecision': run('business rule task decision'),
  'zeebe:CalledDecision#decisionId': run('decision id'),
  'zeebe:CalledDecision#resultVariable': run('decision result variable'),
  'zeebe:AssignmentDefinition': run('user task assignment'),
  'zeebe:AssignmentDefinition#assignee': run('assignee'),
  'zeebe:AssignmentDefinition#candidateGroups': run('candidate groups'),
  'zeebe:AssignmentDefinition#candidateUsers': run('candidate users'),
  'zeebe:PriorityDefinition': run('user task priority'),
  'zeebe:PriorityDefinition#priority': run('user task priority'),
  'zeebe:JobPriorityDefinition': refuse('remove it; govflow hands out jobs in the order they were created'),
  'zeebe:JobPriorityDefinition#priority': refuse('remove it; govflow hands out jobs in the order they were created'),
  'zeebe:TaskSchedule': run('user task schedule'),
  'zeebe:TaskSchedule#dueDate': run('due date'),
  'zeebe:TaskSchedule#followUpDate': run('follow-up date'),
  'zeebe:Properties': inert('custom properties are documentation for people and tools; the engine gives them no meaning (nor does Zeebe)'),
  'zeebe:Properties#properties': inert('custom properties are documentation'),
  'zeebe:Property': inert('custom property'),
  'zeebe:Property#name': inert('custom property'),
  'zeebe:Property#value': inert('custom property'),
  'zeebe:TemplateSupported#modelerTemplate': MODELLER,
  'zeebe:TemplateSupported#modelerTemplateVersion': MODELLER,
  'zeebe:TemplateSupported#modelerTemplateIcon': MODELLER,
  'zeebe:ConfigurationSupported#modelerConfigurationTemplate': MODELLER,
  'zeebe:ConfigurationSupported#modelerConfigurationName': MODELLER,
  'zeebe:TemplatedRootElement#modelerTemplate': MODELLER,
  'zeebe:Script': run('FEEL script task'),
  'zeebe:Script#expression': run('script expression'),
  'zeebe:Script#resultVariable': run('script result variable'),
  'zeebe:ExecutionListeners': run('execution listeners, run as jobs before (start) or after (end) the element'),
  'zeebe:ExecutionListeners#listeners': run('execution listeners in model order'),
  'zeebe:ExecutionListener': run('execution listener job'),
  'zeebe:ExecutionListener#eventType': run('start or end (refused where Zeebe does not run that kind)'),
  'zeebe:ExecutionListener#retries': run('execution listener job retries'),
  'zeebe:ExecutionListener#type': run('execution listener job type (static or =FEEL)'),
  'zeebe:ExecutionListener#headers': run('execution listener job headers (over the element\'s headers)'),
  'zeebe:TaskListeners': run('user task listeners, run as jobs the task\'s lifecycle transition waits for'),
  'zeebe:TaskListeners#listeners': run('user task listeners in model order'),
  'zeebe:TaskListener': run('user task listener job (it may deny the transition or correct the task)'),
  'zeebe:TaskListener#eventType': run('creating, assigning or completing (updating and canceling are refused at deploy time)'),
  'zeebe:TaskListener#retries': run('user task listener job retries'),
  'zeebe:TaskListener#type': run('user task listener job type (static or =FEEL)'),
  'zeebe:VersionTag': inert('a process version tag is a label; govflow binds called processes to the latest version (bindingType other than latest is refused)'),
  'zeebe:VersionTag#value': inert('process version tag label'),
  'zeebe:BindingTypeSupported#bindingType': run('decision and user task form binding (latest, deployment, versionTag); refused on other elements unless latest'),
  'zeebe:BindingTypeSupported#versionTag': run('decision and user task form binding version tag'),
  'zeebe:AdHoc': refuse('ad-hoc sub-processes are not supported; model the choices with an event-based or inclusive gateway'),
  'zeebe:AdHoc#activeElementsCollection': refuse('ad-hoc sub-processes are not supported'),
  'zeebe:AdHoc#outputCollection': refuse('ad-hoc sub-processes are not supported'),
  'zeebe:AdHoc#outputElement': refuse('ad-hoc sub-processes are not supported'),
  'zeebe:ConditionalFilter': run('conditional event filter: which variable changes make the condition be evaluated again'),
  'zeebe:ConditionalFilter#variableNames': run('conditional event: only changes of these variables'),
  'zeebe:ConditionalFilter#variableEvents': run('conditional event: only these kinds of change (create, update)'),
  'zeebe:AgentDefinition': refuse('AI agent sub-processes are not supported; call the agent from a job worker'),
  'zeebe:AgentDefinition#agentType': refuse('AI agent sub-processes are not supported'),
};

const CAMUNDA: Record<string, ExtensionHandling> = {
  'camunda:Definitions#diagramRelationId': MODELLER,
  'camunda:InOutBinding': run('call activity variable binding (only mapped variables pass, as in Camunda 7)'),
  'camunda:InOutBinding#source': run('variable passed'),
  'camunda:InOutBinding#sourceExpression': run('FEEL expression passed (= …); JUEL is refused at deploy time'),
  'camunda:InOutBinding#target': run('variable name on the other side'),
  'camunda:InOutBinding#businessKey': refuse('remove it; a called process shares its parent case'),
  'camunda:InOutBinding#local': run('local="false" only; local="true" is refused at deploy time'),
  'camunda:InOutBinding#variables': run('variables="all" passes every variable'),
  'camunda:In': run('call activity input binding'),
  'camunda:Out': run('call activity output binding'),
  'camunda:AsyncCapable#async': ASYNC,
  'camunda:AsyncCapable#asyncBefore': ASYNC,
  'camunda:AsyncCapable#asyncAfter': ASYNC,
  'camunda:AsyncCapable#exclusive': ASYNC,
  'camunda:JobPriorized#jobPriority': refuse('remove it; govflow hands out jobs in the order they were created'),
  'camunda:SignalEventDefinitionExtension#async': ASYNC,
  'camunda:ErrorEventDefinitionExtension#errorCodeVariable': refuse('remove it; read the error code from the job\'s error variables instead'),
  'camunda:ErrorEventDefinitionExtension#errorMessageVariable': refuse('remove it; read the error message from the job\'s error variables instead'),
  'camunda:ErrorEventDefinition': refuse('error event definitions on external tasks are Camunda 7 only; throw a BPMN error from the worker'),
  'camunda:ErrorEventDefinition#expression': refuse('throw a BPMN error from the worker instead'),
  'camunda:Error#errorMessage': inert('the message text of an error; documentation'),
  'camunda:PotentialStarter': refuse('who may start a case is set on the service (services/*/service.json), not in the model'),
  'camunda:PotentialStarter#resourceAssignmentExpression': refuse('who may start a case is set on the service'),
  'camunda:FormSupported#formHandlerClass': refuse('Java form handlers do not run; link a form with formKey'),
  'camunda:FormSupported#formKey': run('form key'),
  'camunda:FormSupported#formRef': refuse('use formKey'),
  'camunda:FormSupported#formRefBinding': refuse('use formKey'),
  'camunda:FormSupported#formRefVersion': refuse('use formKey'),
  'camunda:TemplateSupported#modelerTemplate': MODELLER,
  'camunda:TemplateSupported#modelerTemplateVersion': MODELLER,
  'camunda:Initiator#initiator': refuse('the starting user is recorded on the case; read it from the case, not from a variable'),
  'camunda:ScriptTask#resultVariable': run('script result variable'),
  'camunda:ScriptTask#resource': refuse('write the FEEL script inline'),
  'camunda:Process#candidateStarterGroups': refuse('who may start a case is set on the service (services/*/service.json)'),
  'camunda:Process#candidateStarterUsers': refuse('who may start a case is set on the service (services/*/service.json)'),
  'camunda:Process#versionTag': inert('a process version tag is a label; govflow binds called processes to the latest version'),
  'camunda:Process#historyTimeToLive': inert('retention is set per service (service.json retention), not per model'),
  'camunda:Process#isStartableInTasklist': inert('cases start through services and the API; there is no Camunda Tasklist start form'),
  'camunda:EscalationEventDefinitionExtension#escalationCodeVariable': refuse('remove it; the escalation code is known from the catching event'),
  'camunda:FormalExpression#resource': refuse('write the FEEL expression inline'),
  'camunda:Assignable#assignee': run('assignee (FEEL or static; JUEL is refused)'),
  'camunda:Assignable#candidateUsers': run('candidate users'),
  'camunda:Assignable#candidateGroups': run('candidate groups'),
  'camunda:Assignable#dueDate': run('due date'),
  'camunda:Assignable#followUpDate': run('follow-up date'),
  'camunda:Assignable#priority': run('priority'),
  'camunda:CallActivity#calledElementBinding': run('called process binding (only latest runs; others are refused)'),
  'camunda:CallActivity#calledElementVersion': refuse('govflow calls the latest version of a process'),
  'camunda:CallActivity#calledElementVersionTag': refuse('govflow calls the latest version of a process'),
  'camunda:CallActivity#calledElementTenantId': refuse('remove it; govflow has no tenants'),
  'camunda:CallActivity#caseRef': refuse('CMMN cases are not supported'),
  'camunda:CallActivity#caseBinding': refuse('CMMN cases are not supported'),
  'camunda:CallActivity#caseVersion': refuse('CMMN cases are not supported'),
  'camunda:CallActivity#caseTenantId': refuse('CMMN cases are not supported'),
  'camunda:CallActivity#variableMappingClass': refuse('Java variable mappings do not run; use in/out mappings'),
  'camunda:CallActivity#variableMappingDelegateExpression': refuse('Java variable mappings do not run; use in/out mappings'),
  'camunda:ServiceTaskLike#expression': refuse(`Java expressions do not run; ${CONVERT} (it makes a job type) or use camunda:type="external"`),
  'camunda:ServiceTaskLike#class': refuse(`Java delegates do not run; ${CONVERT} (it makes a job type) or use camunda:type="external"`),
  'camunda:ServiceTaskLike#delegateExpression': refuse(`Java delegates do not run; ${CONVERT} (it makes a job type) or use camunda:type="external"`),
  'camunda:ServiceTaskLike#resultVariable': run('decision result variable of a business rule task; refused elsewhere'),
  'camunda:DmnCapable#decisionRef': run('decision id'),
  'camunda:DmnCapable#decisionRefBinding': run('decision binding'),
  'camunda:DmnCapable#decisionRefVersion': run('decision version'),
  'camunda:DmnCapable#mapDecisionResult': refuse('remove it; the result variable holds the decision result as Camunda 8 does (by hit policy)'),
  // Not in camunda-bpmn-moddle's descriptor (so it arrives as a plain attribute), but Camunda 7 reads it.
  'camunda:#decisionRefVersionTag': run('decision version tag binding'),
  'camunda:DmnCapable#decisionRefTenantId': refuse('remove it; govflow has no tenants'),
  'camunda:ExternalCapable#type': run('external task (only "external")'),
  'camunda:ExternalCapable#topic': run('external task topic = job type'),
  'camunda:TaskPriorized#taskPriority': refuse('remove it; govflow hands out jobs in the order they were created'),
  'camunda:Properties': inert('custom properties are documentation for people and tools'),
  'camunda:Properties#values': inert('custom properties'),
  'camunda:Property': inert('custom property'),
  'camunda:Property#id': inert('custom property'),
  'camunda:Property#name': inert('custom property'),
  'camunda:Property#value': inert('custom property'),
  'camunda:Connector': refuse('Camunda 7 connectors do not run; use a job type and a worker'),
  'camunda:Connector#inputOutput': refuse('Camunda 7 connectors do not run'),
  'camunda:Connector#connectorId': refuse('Camunda 7 connectors do not run'),
  'camunda:InputOutput': refuse(`${CONVERT} (it writes zeebe:ioMapping with FEEL)`),
  'camunda:InputOutput#inputOutput': refuse(CONVERT),
  'camunda:InputOutput#connectorId': refuse(CONVERT),
  'camunda:InputOutput#inputParameters': refuse(CONVERT),
  'camunda:InputOutput#outputParameters': refuse(CONVERT),
  'camunda:InputOutputParameter': refuse(CONVERT),
  'camunda:InputOutputParameter#name': refuse(CONVERT),
  'camunda:InputOutputParameter#value': refuse(CONVERT),
  'camunda:InputOutputParameter#definition': refuse(CONVERT),
  'camunda:InputOutputParameterDefinition': refuse(CONVERT),
  'camunda:List': refuse(`${CONVERT}; list parameters become FEEL lists`),
  'camunda:List#items': refuse(CONVERT),
  'camunda:Map': refuse(`${CONVERT}; map parameters become FEEL contexts`),
  'camunda:Map#entries': refuse(CONVERT),
  'camunda:Entry': refuse(CONVERT),
  'camunda:Entry#key': refuse(CONVERT),
  'camunda:Entry#value': refuse(CONVERT),
  'camunda:Entry#definition': refuse(CONVERT),
  'camunda:Value': refuse('form field values do not run; use a govflow form'),
  'camunda:Value#id': refuse('form field values do not run; use a govflow form'),
  'camunda:Value#name': refuse('form field values do not run; use a govflow form'),
  'camunda:Value#value': refuse('form field values do not run; use a govflow form'),
  'camunda:Script': refuse('scripts other than FEEL do not run; write the logic as a FEEL script task or a job'),
  'camunda:Script#scriptFormat': refuse('scripts other than FEEL do not run'),
  'camunda:Script#resource': refuse('scripts other than FEEL do not run'),
  'camunda:Script#value': refuse('scripts other than FEEL do not run'),
  'camunda:Field': refuse('field injection into Java delegates does not run; pass the value as a job header (zeebe:taskHeaders)'),
  'camunda:Field#name': refuse('field injection does not run; use a job header'),
  'camunda:Field#expression': refuse('field injection does not run; use a job header'),
  'camunda:Field#stringValue': refuse('field injection does not run; use a job header'),
  'camunda:Field#string': refuse('field injection does not run; use a job header'),
  'camunda:InputParameter': refuse(CONVERT),
  'camunda:OutputParameter': refuse(CONVERT),
  'camunda:Collectable#collection': run('multi-instance collection (FEEL; JUEL is refused)'),
  'camunda:Collectable#elementVariable': run('multi-instance element variable'),
  'camunda:FailedJobRetryTimeCycle': refuse('retry back-off is the worker\'s choice (fail the job with a retry back-off); remove it'),
  'camunda:FailedJobRetryTimeCycle#body': refuse('remove it; workers set the retry back-off'),
  'camunda:ExecutionListener': refuse(`${CONVERT} (it makes zeebe:executionListeners, run as jobs)`),
  'camunda:ExecutionListener#expression': refuse(CONVERT),
  'camunda:ExecutionListener#class': refuse(CONVERT),
  'camunda:ExecutionListener#delegateExpression': refuse(CONVERT),
  'camunda:ExecutionListener#event': refuse(CONVERT),
  'camunda:ExecutionListener#script': refuse(CONVERT),
  'camunda:ExecutionListener#fields': refuse(CONVERT),
  'camunda:TaskListener': refuse(`${CONVERT} (it makes zeebe:taskListeners, run as jobs)`),
  'camunda:TaskListener#expression': refuse(CONVERT),
  'camunda:TaskListener#class': refuse(CONVERT),
  'camunda:TaskListener#delegateExpression': refuse(CONVERT),
  'camunda:TaskListener#event': refuse(CONVERT),
  'camunda:TaskListener#script': refuse(CONVERT),
  'camunda:TaskListener#fields': refuse(CONVERT),
  'camunda:TaskListener#id': refuse(CONVERT),
  'camunda:TaskListener#eventDefinitions': refuse('timeout task listeners are not supported; put a timer boundary event on the user task'),
  'camunda:FormProperty': refuse('generated task forms do not run; link a govflow form with formKey'),
  'camunda:FormData': refuse('generated task forms do not run; link a govflow form with formKey'),
  'camunda:FormField': refuse('generated task forms do not run; link a govflow form with formKey'),
  'camunda:Validation': refuse('generated task forms do not run; link a govflow form with formKey'),
  'camunda:Constraint': refuse('generated task forms do not run; link a govflow form with formKey'),
  'camunda:ConditionalEventDefinitionExtension#variableName': run('conditional event: only changes of this variable'),
  'camunda:ConditionalEventDefinitionExtension#variableEvents': run('conditional event: only these kinds of change (create, update; delete is refused)'),
};
// Every property of the generated-form types is refused with its type's reason.
for (const [type, props] of Object.entries({
  FormProperty: ['id', 'name', 'type', 'required', 'readable', 'writable', 'variable', 'expression', 'datePattern', 'default', 'values'],
  FormData: ['fields', 'businessKey'],
  FormField: ['id', 'label', 'type', 'datePattern', 'defaultValue', 'properties', 'validation', 'values'],
  Validation: ['constraints'],
  Constraint: ['name', 'config'],
})) {
  for (const p of props) CAMUNDA[`camunda:${type}#${p}`] = CAMUNDA[`camunda:${type}`]!;
}

export const EXTENSION_TABLE: Readonly<Record<string, ExtensionHandling>> = { ...ZEEBE, ...CAMUNDA };

export const ZEEBE_NS = 'http://camunda.org/schema/zeebe/1.0';
export const CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn';

interface Descriptor { readonly prefix: string; readonly types: readonly { readonly name: string; readonly extends?: readonly string[]; readonly properties?: readonly { readonly name: string; readonly isAttr?: boolean }[] }[] }

/** Per dialect: attribute local name → table key, over the types that add attributes to BPMN elements. */
const ATTRIBUTE_KEYS: Readonly<Record<string, ReadonlyMap<string, string>>> = Object.fromEntries(
  ([zeebeDescriptor, camundaDescriptor] as Descriptor[]).map((d) => {
    const keys = new Map<string, string>();
    for (const t of d.types) {
      if (!t.extends) continue;
      for (const p of t.properties ?? []) {
        const local = p.name.replace(/^\w+:/, '');
        const key = `${d.prefix}:${t.name}#${local}`;
        // The first inert meaning wins where two types define the same name (async on activities and signals).
        if (!keys.has(local) || EXTENSION_TABLE[key]?.handling === 'inert') keys.set(local, key);
      }
    }
    return [d.prefix, keys];
  }),
);

/** A moddle object as bpmn-moddle builds it. */
interface ModdleNode {
  readonly $type: string;
  readonly id?: string;
  readonly $attrs?: Readonly<Record<string, string>>;
  readonly $children?: readonly ModdleNode[];
  readonly $descriptor?: {
    readonly isGeneric?: boolean;
    readonly propertiesByName?: Readonly<Record<string, { readonly ns: { readonly prefix: string; readonly localName: string }; readonly isReference?: boolean; readonly definedBy?: { readonly name: string } }>>;
  };
  readonly [key: string]: unknown;
}

/** One extension element or attribute found in a model, with the element that carries it. */
export interface ExtensionUse {
  readonly key: string;
  readonly ownerId: string | undefined;
  readonly ownerType: string;
  /** XML prefix and local name as written, to find the line of an element without an id. */
  readonly tag?: string;
  /** A Camunda 7 attribute left in a Zeebe model (or the reverse): the loaded dialect's engine would not read it. */
  readonly foreignAttribute?: boolean;
}

const KNOWN_NS: Readonly<Record<string, string>> = { [ZEEBE_NS]: 'zeebe', [CAMUNDA_NS]: 'camunda' };

function isNode(value: unknown): value is ModdleNode {
  return typeof value === 'object' && value !== null && typeof (value as { $type?: unknown }).$type === 'string';
}

/**
 * Every Zeebe and Camunda 7 element and attribute in a parsed model, walked through the containment tree
 * (references are not followed; everything referenced is contained somewhere). Elements of the namespace whose
 * descriptor was not loaded (a Camunda 7 element in a Zeebe file) come out as generic `prefix:localName` keys,
 * which the table never names, so they are refused too.
 */
export function extensionUses(root: ModdleNode, loaded: 'zeebe' | 'camunda' | undefined): ExtensionUse[] {
  const prefixes = new Map<string, string>();
  for (const [name, uri] of Object.entries(root.$attrs ?? {})) {
    if (name.startsWith('xmlns:') && KNOWN_NS[uri]) prefixes.set(name.slice(6), KNOWN_NS[uri]);
  }
  const uses: ExtensionUse[] = [];
  const seen = new Set<ModdleNode>();
  const visit = (node: ModdleNode, owner: ModdleNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const holder = node.id !== undefined && !node.$type.startsWith('zeebe:') && !node.$type.startsWith('camunda:') ? node : owner;
    const [xmlPrefix = '', local = ''] = node.$type.split(':');
    const dialect = prefixes.get(xmlPrefix) ?? (xmlPrefix === 'zeebe' || xmlPrefix === 'camunda' ? xmlPrefix : undefined);
    if (dialect) {
      uses.push({ key: node.$descriptor?.isGeneric ? `${dialect}:${local}(unread)` : node.$type, ownerId: owner.id, ownerType: owner.$type, tag: `${xmlPrefix}:${local.charAt(0).toLowerCase()}${local.slice(1)}` });
      if (node.$descriptor?.isGeneric) return;
    }
    for (const name of Object.keys(node.$attrs ?? {})) {
      const [p = '', attr = ''] = name.split(':');
      const attrDialect = p === 'xmlns' ? undefined : prefixes.get(p);
      if (!attrDialect) continue;
      // An attribute of the dialect whose descriptor is not loaded (a Camunda 7 leftover in a Zeebe file) keeps its
      // descriptor key so that inert metadata stays accepted; anything else of it is refused (never read).
      const foreign = loaded !== attrDialect ? ATTRIBUTE_KEYS[attrDialect]?.get(attr) : undefined;
      const key = foreign ? (EXTENSION_TABLE[foreign]?.handling === 'inert' ? foreign : `${foreign}(unread)`) : `${attrDialect}:#${attr}`;
      uses.push({ key, ownerId: holder.id, ownerType: holder.$type, ...(foreign ? { foreignAttribute: true } : {}) });
    }
    for (const [name, value] of Object.entries(node)) {
      if (name.startsWith('$') || value === undefined) continue;
      const property = node.$descriptor?.propertiesByName?.[name];
      if (property && (property.ns.prefix === 'zeebe' || property.ns.prefix === 'camunda')) {
        uses.push({ key: `${property.definedBy?.name ?? property.ns.prefix}#${property.ns.localName}`, ownerId: holder.id, ownerType: holder.$type });
      }
      if (property?.isReference) continue;
      for (const child of Array.isArray(value) ? value : [value]) if (isNode(child)) visit(child, holder);
    }
  };
  visit(root, root);
  return uses;
}

/** What the table says about a use; anything it does not name is refused. */
export function handlingOf(key: string): ExtensionHandling {
  const entry = EXTENSION_TABLE[key];
  if (entry) return entry;
  if (key.endsWith('(unread)')) {
    return refuse(key.startsWith('camunda:')
      ? 'a Camunda 7 construct in a Camunda 8 (Zeebe) model; remove it or run `govflow convert` on a Camunda 7 model'
      : 'a Camunda 8 (Zeebe) construct in a Camunda 7 model; run `govflow convert` first, which writes the Zeebe form');
  }
  return refuse('govflow does not know this extension, so it cannot promise to run it; remove it');
}

export interface ExtensionRefusal {
  readonly where: string;
  readonly line: number | undefined;
  /** The BPMN type of the element carrying the extension, e.g. bpmn:UserTask. */
  readonly type: string;
  readonly extension: string;
  readonly instead: string;
  readonly message: string;
}

/**
 * Checks every extension in a parsed model against the table: returns the refusals (with the carrying element's
 * id, type and line, and what to write instead) and the sorted keys of what is run or inert.
 */
export function checkExtensions(root: ModdleNode, loaded: 'zeebe' | 'camunda' | undefined, xml: string, lineOf: (id: string | undefined) => number | undefined): { refusals: ExtensionRefusal[]; accepted: string[]; warnings: string[] } {
  const lines = xml.split('\n');
  const tagLine = (from: number | undefined, tag: string | undefined): number | undefined => {
    if (!tag) return from;
    for (let i = Math.max(0, (from ?? 1) - 1); i < lines.length; i++) if (lines[i]!.includes(`<${tag}`)) return i + 1;
    return from;
  };
  const refusals: ExtensionRefusal[] = [];
  const accepted = new Set<string>();
  const reported = new Set<string>();
  const warnings: string[] = [];
  for (const use of extensionUses(root, loaded)) {
    if (use.foreignAttribute && loaded === 'zeebe' && use.key.endsWith('(unread)')) {
      // Camunda Modeler keeps Camunda 7 attributes when a model is switched to Camunda 8, and Camunda 8 does not
      // read them; neither does govflow, and it says so instead of refusing a model Camunda 8 runs.
      warnings.push(`${use.ownerId ?? use.ownerType} (line ${lineOf(use.ownerId) ?? '?'}): ${use.key.replace('(unread)', '')} is a Camunda 7 attribute in a Camunda 8 model; neither Camunda 8 nor govflow reads it`);
      continue;
    }
    const handling = handlingOf(use.key);
    if (handling.handling !== 'refused') {
      accepted.add(use.key);
      continue;
    }
    const where = use.ownerId ?? use.ownerType;
    // One refusal per element and key: a listener list with three listeners is one thing to fix.
    if (reported.has(`${where} ${use.key}`)) continue;
    reported.add(`${where} ${use.key}`);
    const name = use.key.replace('(unread)', '');
    refusals.push({
      where, line: tagLine(lineOf(use.ownerId), use.tag), type: use.ownerType, extension: name, instead: handling.instead,
      message: `${use.ownerType.replace('bpmn:', '')} ${use.ownerId ?? ''}: ${name} is not run by govflow; ${handling.instead}`.replace('  ', ' '),
    });
  }
  return { refusals, accepted: [...accepted].sort(), warnings };
}
