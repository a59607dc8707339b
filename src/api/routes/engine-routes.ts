/** Serves the engine's JSON API under /api: deployments, instances, user tasks, the external worker API, incidents, messages, signals, decisions. */
import { Type, type TSchema } from '@sinclair/typebox';
import { caseProcessKey, deployedReach, instanceOfJob, isDecisionDeployed, type Engine } from '../../engine/index.js';
import type { Privacy } from '../../privacy/index.js';
import { GovflowError } from '../../kernel/index.js';
import { candidateGroupsOf, decidesCases, inCaseScope, mayDecide, type Principal } from '../../identity/index.js';
import { actingAs, refuseReservedVariables } from '../acting.js';
import { route, type RouteDefinition } from '../route.js';
import { caseReadLogger, type PrivacyRouteOptions } from './privacy-routes.js';
import { Event, IdParams, Incident, Job, Paging, ProcessInstance, Task, Variables } from '../schemas.js';

const Worker = Type.String({ minLength: 1, maxLength: 200, description: 'The worker\'s id; jobs are locked to it' });
const Name = Type.String({ minLength: 1, maxLength: 500 });
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const Person = Type.String({ maxLength: 200 });
/** Camunda's job result (`POST /v2/jobs/{key}/completion` body `result`), for a user task listener's job. */
const JobResult = Type.Object({
  type: Nullable(Type.Literal('userTask')),
  denied: Nullable(Type.Boolean({ description: 'Deny the task\'s transition (assigning, completing): the task stays as it was' })),
  deniedReason: Nullable(Type.String({ maxLength: 4000 })),
  corrections: Nullable(Type.Object({
    assignee: Nullable(Person), dueDate: Nullable(Type.String({ maxLength: 100 })), followUpDate: Nullable(Type.String({ maxLength: 100 })),
    candidateUsers: Nullable(Type.Array(Person, { maxItems: 200 })), candidateGroups: Nullable(Type.Array(Person, { maxItems: 200 })),
    priority: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  }, { additionalProperties: false, description: 'Corrected task attributes; null keeps one, "" clears a date or the assignee, [] a list' })),
}, { additionalProperties: false });

/** The engine's HTTP surface: deployments, instances, user tasks, the external worker API, incidents, messages. */
export function engineRoutes(engine: Engine, privacy?: Privacy, privacyOptions?: PrivacyRouteOptions, serviceOfProcess?: (processKey: string) => string | undefined, processKeysOf?: (services: readonly string[]) => string[]): RouteDefinition[] {
  /** An agency system's API key names the services it may act on; a process outside them (or outside the catalogue) is refused. */
  function requireServiceScope(principal: Principal | null, processKey: string): void {
    if (principal?.kind !== 'agency-system') return;
    const service = serviceOfProcess?.(processKey);
    if (!service || !principal.services.includes(service)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this API key is not for the service of that process');
  }

  /** An agency system acts on an instance only when its case is of one of the key's services (404 first for an unknown one). */
  async function requireInstanceServiceScope(principal: Principal | null, instanceId: number): Promise<void> {
    if (principal?.kind !== 'agency-system') return;
    const key = await caseProcessKey(engine.db, instanceId);
    if (key === undefined) await engine.getInstance(instanceId); // throws the usual 404
    requireServiceScope(principal, key ?? '');
  }
  /** The same for a job: the case of the job's instance. An unknown job is left to the engine (404). */
  async function requireJobScope(principal: Principal | null, jobId: number): Promise<void> {
    if (principal?.kind !== 'agency-system') return;
    const instanceId = await instanceOfJob(engine.db, jobId);
    if (instanceId !== null) await requireInstanceServiceScope(principal, instanceId);
  }

  /**
   * What the deployed models say about reach, rebuilt when a process is deployed: which processes each calls,
   * which catch each message or signal (start, intermediate, boundary events and receive tasks), which use each
   * decision. Messages and signals go to whoever waits for them, so an agency system may publish one only when
   * every process that can receive it belongs to its services (then no other service's case can, now or later).
   */
  let reach: { upTo: number; calls: Map<string, Set<string>>; message: Map<string, Set<string>>; signal: Map<string, Set<string>>; decision: Map<string, Set<string>> } | undefined;
  async function modelReach(): Promise<NonNullable<typeof reach>> {
    const { upTo, elements } = await deployedReach(engine.db, reach?.upTo);
    if (reach && !elements) return reach;
    const next = { upTo, calls: new Map<string, Set<string>>(), message: new Map<string, Set<string>>(), signal: new Map<string, Set<string>>(), decision: new Map<string, Set<string>>() };
    const add = (map: Map<string, Set<string>>, name: string, key: string) => map.set(name, (map.get(name) ?? new Set()).add(key));
    const catching = new Set(['startEvent', 'intermediateCatchEvent', 'boundaryEvent', 'receiveTask']);
    for (const e of elements ?? []) {
      if (e.calledProcess) add(next.calls, e.processKey, e.calledProcess);
      if (e.decisionId) add(next.decision, e.decisionId, e.processKey);
      if (!catching.has(e.elementType)) continue;
      if (e.eventKind === 'message' && e.messageName) add(next.message, e.messageName, e.processKey);
      if (e.eventKind === 'signal' && e.signalName) add(next.signal, e.signalName, e.processKey);
    }
    reach = next;
    return next;
  }
  /** The processes an agency key reaches: its services' processes and every process they call, transitively. */
  function reachableKeys(r: NonNullable<typeof reach>, services: readonly string[]): Set<string> {
    const keys = new Set(processKeysOf?.(services) ?? []);
    for (const key of keys) for (const called of r.calls.get(key) ?? []) keys.add(called); // a Set iterates what is added
    return keys;
  }
  async function requireReceiversInScope(principal: Principal | null, what: 'message' | 'signal', name: string): Promise<void> {
    if (principal?.kind !== 'agency-system') return;
    const r = await modelReach();
    const receivers = r[what].get(name) ?? new Set<string>();
    const mine = reachableKeys(r, principal.services);
    if (receivers.size === 0 || [...receivers].some((key) => !mine.has(key))) {
      throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', receivers.size === 0
        ? `no process of this API key's services receives ${what} '${name}'`
        : `${what} '${name}' is also received by processes of services this API key is not for`);
    }
  }
  async function requireDecisionScope(principal: Principal | null, key: string): Promise<void> {
    if (principal?.kind !== 'agency-system') return;
    const r = await modelReach();
    const mine = reachableKeys(r, principal.services);
    if ([...r.decision.get(key) ?? []].some((k) => mine.has(k))) return;
    if (await isDecisionDeployed(engine.db, key)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', `decision '${key}' is not used by the services of this API key`);
    // not deployed: the engine answers 404 as for anyone
  }

  /**
   * Department scope (issue 6): staff read a case only when one of its user tasks is for their department; admins
   * and auditors are not limited here; agency systems only when the case is of one of their services. Checked
   * before anything is read or logged.
   */
  async function requireCaseScope(principal: Principal | null, instanceId: number): Promise<void> {
    if (principal?.kind === 'agency-system') return requireInstanceServiceScope(principal, instanceId);
    if (principal?.kind !== 'staff') return;
    await engine.getInstance(instanceId); // an unknown case is a 404 for everyone
    if (!inCaseScope(principal, await engine.caseCandidateGroups(instanceId))) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this case belongs to another department');
  }
  /**
   * Staff act on a task (claim, give back, complete) only with a caseworker or manager role in its department:
   * reads and writes are checked separately, and an admin or auditor role decides nothing (issue 13).
   */
  async function requireTaskScope(principal: Principal | null, taskId: number): Promise<void> {
    if (principal?.kind !== 'staff') return;
    if (!decidesCases(principal)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'only a caseworker or manager of the case\'s department acts on its tasks');
    if (!mayDecide(principal, (await engine.getTask(taskId)).candidateGroups)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this task belongs to another department');
  }
  /** The same for changing a case itself (its variables): a deciding role in one of its departments. */
  async function requireCaseWriteScope(principal: Principal | null, instanceId: number): Promise<void> {
    if (principal?.kind !== 'staff') return requireCaseScope(principal, instanceId);
    if (!decidesCases(principal)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'only a caseworker or manager of the case\'s department changes it');
    await engine.getInstance(instanceId); // an unknown case is a 404 for everyone
    if (!mayDecide(principal, await engine.caseCandidateGroups(instanceId))) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this case belongs to another department');
  }
  /** What a list of cases is limited to: staff see their departments' cases, an API key its services' processes. */
  function listScope(principal: Principal | null): { candidateGroups?: string[]; processKeys?: string[] } {
    if (principal?.kind === 'staff' && !principal.roles.includes('admin') && !principal.roles.includes('auditor')) return { candidateGroups: candidateGroupsOf(principal) };
    if (principal?.kind === 'agency-system') return { processKeys: processKeysOf?.(principal.services) ?? [] };
    return {};
  }
  // Reads of a case's personal data are logged for the person (docs/privacy.md).
  const reads = caseReadLogger(privacy, privacyOptions);
  const scope: EngineRouteScope = { engine, reads, requireServiceScope, requireInstanceServiceScope, requireJobScope, requireReceiversInScope, requireDecisionScope, requireCaseScope, requireCaseWriteScope, requireTaskScope, listScope, processKeysOf };
  return [...instanceRoutes(scope), ...taskAndJobRoutes(scope)];
}

/** What the engine routes share: the engine, the read logger and the scope checks of engineRoutes. */
interface EngineRouteScope {
  readonly engine: Engine;
  readonly reads: ReturnType<typeof caseReadLogger>;
  readonly requireServiceScope: (principal: Principal | null, processKey: string) => void;
  readonly requireInstanceServiceScope: (principal: Principal | null, instanceId: number) => Promise<void>;
  readonly requireJobScope: (principal: Principal | null, jobId: number) => Promise<void>;
  readonly requireReceiversInScope: (principal: Principal | null, what: 'message' | 'signal', name: string) => Promise<void>;
  readonly requireDecisionScope: (principal: Principal | null, key: string) => Promise<void>;
  readonly requireCaseScope: (principal: Principal | null, instanceId: number) => Promise<void>;
  readonly requireCaseWriteScope: (principal: Principal | null, instanceId: number) => Promise<void>;
  readonly requireTaskScope: (principal: Principal | null, taskId: number) => Promise<void>;
  readonly listScope: (principal: Principal | null) => { candidateGroups?: string[]; processKeys?: string[] };
  readonly processKeysOf: ((services: readonly string[]) => string[]) | undefined;
}

/** Deployments, process instances and their history. */
function instanceRoutes(scope: EngineRouteScope): RouteDefinition[] {
  const { engine, reads, requireServiceScope, requireCaseScope, requireCaseWriteScope, listScope } = scope;
  return [
    route({
      method: 'POST', url: '/api/deployments', operationId: 'deploy', access: ['admin'], tag: 'deployments', status: 201,
      summary: 'Deploy BPMN processes, DMN decisions and forms (all files validated before anything is written)',
      body: Type.Object({
        name: Type.Optional(Name),
        resources: Type.Array(Type.Object({ name: Name, content: Type.String({ maxLength: 5 * 1024 * 1024 }) }), { minItems: 1, maxItems: 50 }),
      }),
      response: Type.Object({
        deploymentId: Type.Integer(),
        processes: Type.Array(Type.Object({ id: Type.Integer(), key: Type.String(), version: Type.Integer(), name: Type.Union([Type.String(), Type.Null()]), isNew: Type.Boolean() })),
        decisions: Type.Array(Type.Object({ id: Type.Integer(), key: Type.String(), version: Type.Integer(), isNew: Type.Boolean(), versionTag: Type.Optional(Type.String()) })),
        warnings: Type.Array(Type.String()),
      }),
      handler: ({ body, actor }) => engine.deploy(body.resources, { ...(body.name ? { name: body.name } : {}), ...(actor ? { actor } : {}) }),
    }),
    route({
      method: 'POST', url: '/api/process-instances', operationId: 'startInstance', access: ['admin', 'agency-system'], tag: 'process instances', status: 201,
      summary: 'Start an instance of the latest (or a given) version of a process',
      body: Type.Object({
        processKey: Name,
        version: Type.Optional(Type.Integer({ minimum: 1 })),
        businessKey: Type.Optional(Type.String({ maxLength: 200 })),
        variables: Type.Optional(Variables),
      }),
      response: ProcessInstance,
      handler: async ({ body, actor, principal }) => {
        requireServiceScope(principal, body.processKey);
        refuseReservedVariables(body.variables);
        return engine.startInstance(body.processKey, { variables: body.variables ?? {}, businessKey: body.businessKey ?? null, ...(body.version ? { version: body.version } : {}), ...(actor ? { actor } : {}) });
      },
    }),
    route({
      method: 'POST', url: '/api/conditionals/evaluation', operationId: 'evaluateConditionals', access: ['admin', 'agency-system'], tag: 'process instances',
      summary: 'Start an instance of each latest process (or of processKey) whose root conditional start event holds for the variables',
      body: Type.Object({ processKey: Type.Optional(Name), businessKey: Type.Optional(Type.String({ maxLength: 200 })), variables: Type.Optional(Variables) }),
      response: Type.Object({ startedInstances: Type.Array(Type.Integer()) }),
      handler: async ({ body, actor, principal }) => {
        // Without a process key the evaluation reaches every process, beyond an agency key's services.
        if (principal?.kind === 'agency-system' && !body.processKey) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'an agency system evaluates the conditional start events of one process of its services: give processKey');
        if (body.processKey) requireServiceScope(principal, body.processKey);
        refuseReservedVariables(body.variables);
        return engine.evaluateConditionalStarts({ variables: body.variables ?? {}, ...(body.processKey ? { processKey: body.processKey } : {}), ...(body.businessKey ? { businessKey: body.businessKey } : {}), ...(actor ? { actor } : {}) });
      },
    }),
    route({
      method: 'GET', url: '/api/process-instances', operationId: 'listInstances', access: ['caseworker', 'manager', 'admin', 'auditor', 'agency-system'], tag: 'process instances',
      summary: 'List process instances, newest first',
      query: Type.Object({ processKey: Type.Optional(Name), state: Type.Optional(Type.String({ enum: ['active', 'completed', 'terminated'] })), businessKey: Type.Optional(Name), ...Paging }),
      response: Type.Array(ProcessInstance), personalData: { logged: 'case.listed' },
      // A list shows each case's variables: one access-log entry per person listed (issue 13).
      handler: async ({ query, principal, headers }) => {
        const purpose = reads.requirePurpose(principal, headers);
        const instances = await engine.listInstances({ ...query, ...listScope(principal) });
        for (const instance of instances) await reads.log(principal, purpose, instance.id, { staff: 'case.listed', system: 'api.process-instances.listed' }, ['case', 'application-answers']);
        return instances;
      },
    }),
    route({
      method: 'GET', url: '/api/process-instances/:id', operationId: 'getInstance', access: ['caseworker', 'manager', 'admin', 'auditor', 'agency-system'], tag: 'process instances',
      summary: 'One process instance: state, variables and where its tokens are',
      params: IdParams, response: ProcessInstance, personalData: { logged: 'case.viewed' },
      handler: async ({ params, principal, headers }) => {
        await requireCaseScope(principal, params.id);
        const purpose = reads.requirePurpose(principal, headers);
        const instance = await engine.getInstance(params.id);
        await reads.log(principal, purpose, params.id, { staff: 'case.viewed', system: 'api.process-instance.read' }, ['case', 'application-answers']);
        return instance;
      },
    }),
    route({
      method: 'GET', url: '/api/process-instances/:id/events', operationId: 'getInstanceEvents', access: ['caseworker', 'manager', 'admin', 'auditor', 'agency-system'], tag: 'process instances',
      summary: 'The instance\'s event log in sequence order (its history and timeline)',
      params: IdParams, query: Type.Object({ afterSeq: Type.Optional(Type.Integer({ minimum: 0 })) }), response: Type.Array(Event), personalData: { logged: 'case.events.viewed' },
      handler: async ({ params, query, principal, headers }) => {
        await requireCaseScope(principal, params.id);
        const purpose = reads.requirePurpose(principal, headers);
        const events = await engine.getEvents(params.id, query);
        await reads.log(principal, purpose, params.id, { staff: 'case.events.viewed', system: 'api.process-instance.events.read' }, ['case-history']);
        return events;
      },
    }),
    route({
      method: 'POST', url: '/api/process-instances/:id/cancel', operationId: 'cancelInstance', access: ['manager', 'admin'], tag: 'process instances',
      summary: 'Terminate a running instance (and the processes it called)',
      params: IdParams, body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }), response: ProcessInstance,
      handler: async ({ params, body, actor, principal }) => {
        await requireCaseScope(principal, params.id);
        return engine.cancelInstance(params.id, { ...(body.reason ? { reason: body.reason } : {}), ...(actor ? { actor } : {}) });
      },
    }),
    route({
      method: 'PATCH', url: '/api/process-instances/:id/variables', operationId: 'setVariables', access: ['caseworker', 'manager'], tag: 'process instances',
      summary: 'Set process variables', params: IdParams, body: Type.Object({ variables: Variables }), response: ProcessInstance,
      handler: async ({ params, body, actor, principal }) => {
        refuseReservedVariables(body.variables);
        await requireCaseWriteScope(principal, params.id);
        return engine.setVariables(params.id, body.variables, actor ? { actor } : {});
      },
    }),
    route({
      method: 'GET', url: '/api/tasks', operationId: 'listTasks', access: ['caseworker', 'manager'], tag: 'user tasks',
      summary: 'User tasks, by state, assignee or candidate group (an inbox)',
      query: Type.Object({
        state: Type.Optional(Type.String({ enum: ['created', 'completed', 'cancelled'] })), assignee: Type.Optional(Name),
        candidateGroup: Type.Optional(Type.Array(Name)), candidateUser: Type.Optional(Name), instanceId: Type.Optional(Type.Integer({ minimum: 1 })),
        processKey: Type.Optional(Name), ...Paging,
      }),
      response: Type.Array(Task),
      handler: ({ query, principal }) => {
        // An inbox is always limited to the caller's own groups; asking for another department's, or for
        // another person's candidate tasks, gives nothing rather than someone else's work.
        // Admins and auditors see every department (as inCaseScope says), so their filters apply as given.
        if (listScope(principal).candidateGroups === undefined) return engine.listTasks({ ...query, ...(query.candidateGroup ? { candidateGroups: query.candidateGroup } : {}) });
        const own = principal?.kind === 'staff' ? candidateGroupsOf(principal) : [];
        const groups = query.candidateGroup ? query.candidateGroup.filter((g) => own.includes(g)) : own;
        const { candidateUser, ...rest } = query;
        const self = principal?.kind === 'staff' && candidateUser === principal.id ? { candidateUser } : {};
        return engine.listTasks({ ...rest, ...self, candidateGroups: groups });
      },
    }),
  ];
}

/** User tasks, the external worker API, incidents, messages, signals and decisions. */
function taskAndJobRoutes(scope: EngineRouteScope): RouteDefinition[] {
  const { engine, reads, requireJobScope, requireReceiversInScope, requireDecisionScope, requireTaskScope, processKeysOf } = scope;
  return [
    route({
      method: 'GET', url: '/api/tasks/:id', operationId: 'getTask', access: ['caseworker', 'manager'], tag: 'user tasks', summary: 'One user task',
      params: IdParams, response: Task,
      handler: async ({ params, principal, headers }) => {
        const purpose = reads.requirePurpose(principal, headers);
        const task = await engine.getTask(params.id);
        if (principal?.kind === 'staff' && !inCaseScope(principal, task.candidateGroups)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this task belongs to another department');
        await reads.log(principal, purpose, task.instanceId, { staff: 'task.viewed', system: 'api.task.read' }, ['case']);
        return task;
      },
    }),
    route({
      method: 'POST', url: '/api/tasks/:id/claim', operationId: 'claimTask', access: ['caseworker', 'manager'], tag: 'user tasks', summary: 'Claim a task (409 if someone else holds it)',
      params: IdParams, body: Type.Object({ user: Type.Optional(Name) }), response: Task,
      handler: async ({ params, body, principal }) => {
        const user = actingAs(principal, body.user);
        await requireTaskScope(principal, params.id);
        return engine.claimTask(params.id, user);
      },
    }),
    route({
      method: 'POST', url: '/api/tasks/:id/unclaim', operationId: 'unclaimTask', access: ['caseworker', 'manager'], tag: 'user tasks', summary: 'Give a claimed task back to its candidates',
      params: IdParams, body: Type.Object({ user: Type.Optional(Name) }), response: Task,
      handler: async ({ params, body, principal }) => {
        const user = actingAs(principal, body.user);
        await requireTaskScope(principal, params.id);
        return engine.unclaimTask(params.id, user);
      },
    }),
    route({
      method: 'POST', url: '/api/tasks/:id/complete', operationId: 'completeTask', access: ['caseworker', 'manager'], tag: 'user tasks',
      summary: 'Complete a task with variables; a second completion gets 409',
      params: IdParams, body: Type.Object({ user: Type.Optional(Name), variables: Type.Optional(Variables) }), response: Task,
      handler: async ({ params, body, principal }) => {
        const user = actingAs(principal, body.user);
        refuseReservedVariables(body.variables);
        await requireTaskScope(principal, params.id);
        return engine.completeTask(params.id, { variables: body.variables ?? {}, actor: user });
      },
    }),
    route({
      method: 'POST', url: '/api/jobs/activate', operationId: 'activateJobs', access: ['agency-system', 'admin'], tag: 'external workers',
      summary: 'Lock up to maxJobs ready jobs of a type for a worker',
      body: Type.Object({ type: Name, worker: Worker, maxJobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), lockMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 86_400_000 })) }),
      response: Type.Array(Job), personalData: { logged: 'job.activated' },
      // An agency system's worker gets only jobs of its services' cases. Each job hands the case's variables over:
      // logged for the person, for the purpose the worker gives, else the job's own step (`job:<type>`).
      handler: async ({ body, principal, headers }) => {
        const given = typeof headers?.['x-govflow-purpose'] === 'string' && headers['x-govflow-purpose'].trim() !== '' ? reads.requirePurpose(principal, headers) : null;
        const jobs = await engine.activateJobs({ ...body, ...(principal?.kind === 'agency-system' ? { processKeys: processKeysOf?.(principal.services) ?? [] } : {}) });
        for (const job of jobs) await reads.log(principal, given ?? `job:${body.type}`, job.instanceId, { staff: 'job.activated', system: 'api.job.activated' }, ['case', 'application-answers']);
        return jobs;
      },
    }),
    route({
      method: 'POST', url: '/api/jobs/:id/complete', operationId: 'completeJob', access: ['agency-system', 'admin'], tag: 'external workers',
      summary: 'Complete a locked job (a user task listener\'s job with a result instead of variables: deny the transition or correct the task)',
      params: IdParams, body: Type.Object({ worker: Worker, variables: Type.Optional(Variables), result: Type.Optional(JobResult) }), response: Type.Object({ ok: Type.Boolean() }),
      handler: async ({ params, body, principal }) => {
        refuseReservedVariables(body.variables);
        await requireJobScope(principal, params.id);
        await engine.completeJob(params.id, { worker: body.worker, variables: body.variables ?? {}, ...(body.result ? { result: body.result } : {}) });
        return { ok: true };
      },
    }),
    route({
      method: 'POST', url: '/api/jobs/:id/fail', operationId: 'failJob', access: ['agency-system', 'admin'], tag: 'external workers',
      summary: 'Report a failed attempt: retried after the backoff while retries remain, then an incident',
      params: IdParams,
      body: Type.Object({ worker: Worker, retries: Type.Optional(Type.Integer({ minimum: 0 })), errorMessage: Type.Optional(Type.String({ maxLength: 4000 })), backoffMs: Type.Optional(Type.Integer({ minimum: 0 })) }),
      response: Type.Object({ retries: Type.Integer(), incident: Type.Boolean() }),
      handler: async ({ params, body, principal }) => {
        await requireJobScope(principal, params.id);
        return engine.failJob(params.id, body);
      },
    }),
    route({
      method: 'POST', url: '/api/jobs/:id/error', operationId: 'throwJobError', access: ['agency-system', 'admin'], tag: 'external workers',
      summary: 'Throw a BPMN error from a job (caught by an error boundary or event sub-process)',
      params: IdParams,
      body: Type.Object({ worker: Worker, errorCode: Name, errorMessage: Type.Optional(Type.String({ maxLength: 4000 })), variables: Type.Optional(Variables) }),
      response: Type.Object({ ok: Type.Boolean() }),
      handler: async ({ params, body, principal }) => {
        refuseReservedVariables(body.variables);
        await requireJobScope(principal, params.id);
        await engine.throwJobError(params.id, body);
        return { ok: true };
      },
    }),
    route({
      method: 'GET', url: '/api/incidents', operationId: 'listIncidents', access: ['manager', 'admin'], tag: 'incidents', summary: 'Open (or resolved) incidents',
      query: Type.Object({ instanceId: Type.Optional(Type.Integer({ minimum: 1 })), state: Type.Optional(Type.String({ enum: ['open', 'resolved'] })) }),
      response: Type.Array(Incident),
      // A manager sees the incidents of their departments' cases only; admins operate the whole platform.
      handler: async ({ query, principal }) => {
        const incidents = await engine.listIncidents(query);
        if (principal?.kind !== 'staff' || principal.roles.includes('admin')) return incidents;
        const inScope = await Promise.all(incidents.map(async (i) => inCaseScope(principal, await engine.caseCandidateGroups(i.instanceId))));
        return incidents.filter((_i, n) => inScope[n]);
      },
    }),
    route({
      method: 'POST', url: '/api/incidents/:id/resolve', operationId: 'resolveIncident', access: ['admin'], tag: 'incidents',
      summary: 'Resolve an incident: give a failed job retries, or retry a failed expression',
      params: IdParams, body: Type.Object({ retries: Type.Optional(Type.Integer({ minimum: 1 })) }), response: Type.Object({ ok: Type.Boolean() }),
      handler: async ({ params, body, actor }) => {
        await engine.resolveIncident(params.id, { ...(body.retries ? { retries: body.retries } : {}), ...(actor ? { actor } : {}) });
        return { ok: true };
      },
    }),
    route({
      method: 'POST', url: '/api/messages', operationId: 'publishMessage', access: ['agency-system', 'admin'], tag: 'messages', summary: 'Publish a message (correlate, start, or buffer for timeToLiveMs)',
      body: Type.Object({
        name: Name, correlationKey: Type.Optional(Type.String({ maxLength: 500 })), variables: Type.Optional(Variables),
        timeToLiveMs: Type.Optional(Type.Integer({ minimum: 0 })), messageId: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: Type.Object({ correlatedInstances: Type.Array(Type.Integer()), startedInstances: Type.Array(Type.Integer()), buffered: Type.Boolean() }),
      handler: async ({ body, actor, principal }) => {
        refuseReservedVariables(body.variables);
        await requireReceiversInScope(principal, 'message', body.name);
        return engine.publishMessage({ ...body, ...(actor ? { actor } : {}) });
      },
    }),
    route({
      method: 'POST', url: '/api/signals', operationId: 'broadcastSignal', access: ['agency-system', 'admin'], tag: 'messages', summary: 'Broadcast a signal to every waiting instance',
      body: Type.Object({ name: Name, variables: Type.Optional(Variables) }),
      response: Type.Object({ triggeredInstances: Type.Array(Type.Integer()), startedInstances: Type.Array(Type.Integer()) }),
      handler: async ({ body, actor, principal }) => {
        refuseReservedVariables(body.variables);
        await requireReceiversInScope(principal, 'signal', body.name);
        return engine.broadcastSignal({ ...body, ...(actor ? { actor } : {}) });
      },
    }),
    route({
      method: 'POST', url: '/api/decisions/:key/evaluate', operationId: 'evaluateDecision', access: ['caseworker', 'manager', 'admin', 'agency-system'], tag: 'decisions',
      summary: 'Evaluate the latest version of a deployed decision with variables; the result says which rules matched',
      params: Type.Object({ key: Name }), body: Type.Object({ variables: Type.Optional(Variables) }),
      response: Type.Object({ decisionKey: Type.String(), version: Type.Optional(Type.Integer()), value: Type.Unknown(), explanation: Type.Unknown() }),
      handler: async ({ params, body, principal }) => {
        await requireDecisionScope(principal, params.key);
        return engine.evaluateDecision(params.key, body.variables ?? {});
      },
    }),
  ];
}
