
import type { ActivatedJob, Engine, JobHandler } from '../engine/index.js';
import { GovflowError, type Logger } from '../kernel/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Database } from '../store/index.js';
import { createConsumer, xroadIdFor, type ServiceAnswer, type ServiceCall } from './consumer.js';
import { startEndpoint, type Endpoint } from './endpoint.js';
import { grantAccess, listAccess, listPeers, listServices, revokeAccess, SERVICE_KINDS, upsertPeer, upsertService, type ServiceKind } from './exchange-store.js';
import { formatClientId, formatMemberId, parseClientId, type ClientId } from './identifiers.js';
import { fingerprintOf, loadOrCreateMemberKey, type MemberKey } from './member-key.js';
import { eraseExpiredBodies, listMessages } from './message-log.js';
import { describeService } from './openapi.js';
import { createProvider } from './provider.js';

export interface ExchangeOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly masterKey: string | Buffer;
  /** This govflow's subsystem, `INSTANCE/CLASS/MEMBER/SUBSYSTEM` (GOVFLOW_EXCHANGE_MEMBER). */
  readonly member: string;
  /** Mutual TLS and JWS signatures (the embedded default); off behind a real X-Road security server, or to measure. */
  readonly tls?: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly retentionDays?: number;
  readonly timeoutMs?: number;
  readonly privacy?: Pick<Privacy, 'db' | 'recordAccess' | 'subjectOfInstance'>;
  readonly logger?: Logger;
}

const ACTOR = 'system:exchange';

/** The exchange of one govflow: its member key, the provider endpoint, the consumer, the admin functions. */
export async function createExchange(options: ExchangeOptions) {
  const self = parseClientId(options.member, 'exchange member');
  if (self.subsystem === null) throw new GovflowError('GOVFLOW_ERR_CONFIG', 'the exchange member must name a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM', [{ where: 'GOVFLOW_EXCHANGE_MEMBER', message: 'needs a subsystem' }]);
  const tls = options.tls ?? true;
  const retentionDays = options.retentionDays ?? 365;
  const key: MemberKey = await loadOrCreateMemberKey(options.db, options.masterKey, formatMemberId(self));
  const provider = createProvider({ db: options.db, engine: options.engine, masterKey: options.masterKey, key, self, trust: tls ? 'mtls' : 'security-server', retentionDays, ...(options.logger ? { logger: options.logger } : {}) });
  const call = createConsumer({ db: options.db, masterKey: options.masterKey, key, self, tls, retentionDays, timeoutMs: options.timeoutMs ?? 10_000 });
  const endpoint: Endpoint = await startEndpoint({ handle: provider, tls: tls ? { cert: key.certificate, key: key.privateKeyPem } : null, ...(options.host ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}), ...(options.logger ? { logger: options.logger } : {}) });

  return {
    self, client: formatClientId(self), endpointUrl: endpoint.url, certificate: key.certificate, fingerprint: key.fingerprint,
    call, provider,
    listServices: () => listServices(options.db),
    listPeers: () => listPeers(options.db),
    listAccess: (current?: boolean) => listAccess(options.db, current ? { current } : {}),
    listMessages: (limit?: number) => listMessages(options.db, limit),
    eraseExpiredBodies: () => eraseExpiredBodies(options.db),
    async publish(input: { serviceCode: string; title: string; kind: string; target: string }, actor: string): Promise<void> {
      const code = input.serviceCode.trim();
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(code)) throw invalid('serviceCode', 'must be 1 to 100 letters, digits, dots, hyphens or underscores');
      if (!(SERVICE_KINDS as readonly string[]).includes(input.kind)) throw invalid('kind', `must be one of ${SERVICE_KINDS.join(', ')}`);
      const title = input.title.trim();
      if (!title || title.length > 200) throw invalid('title', 'must be 1 to 200 characters');
      const target = input.target.trim();
      if (input.kind !== 'case-status' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(target)) throw invalid('target', 'must name the process key or message name');
      const kind = input.kind as ServiceKind;
      await upsertService(options.db, { serviceCode: code, title, kind, target, openapi: describeService(kind, `${formatClientId(self)}/${code}`, title, target) }, actor);
    },
    async addPeer(input: { memberId: string; baseUrl: string; certificate: string }, actor: string): Promise<void> {
      const member = parseClientId(input.memberId, 'memberId');
      if (member.subsystem !== null) throw invalid('memberId', 'a peer is a member: INSTANCE/CLASS/MEMBER, without a subsystem');
      let url: URL;
      try {
        url = new URL(input.baseUrl);
      } catch {
        throw invalid('baseUrl', 'is not a URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('baseUrl', 'must be an http or https URL');
      await upsertPeer(options.db, { memberId: formatMemberId(member), baseUrl: url.origin, certificate: input.certificate.trim(), fingerprint: fingerprintOf(input.certificate.trim()) }, actor);
    },
    async grant(serviceCode: string, client: string, actor: string): Promise<boolean> {
      const id = parseClientId(client, 'client');
      if (id.subsystem === null) throw invalid('client', 'access is granted to a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
      return grantAccess(options.db, serviceCode, formatClientId(id), actor);
    },
    async revoke(serviceCode: string, client: string, actor: string): Promise<boolean> {
      return revokeAccess(options.db, serviceCode, formatClientId(parseClientId(client, 'client')), actor);
    },
    /** The `exchange-call` job handler (see callHandler). */
    handler: (): JobHandler => callHandler(call, options, formatClientId(self)),
    stop: () => endpoint.stop(),
  };
}

export type Exchange = Awaited<ReturnType<typeof createExchange>>;

function invalid(where: string, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_VALIDATION', `${where} ${message}`, [{ where, message }]);
}

/**
 * The `exchange-call` job: a service task calls another organisation's service. Task headers: `service` (its X-Road
 * service id, required), `purpose` (required: why the case sends or asks, recorded in the applicant's access log),
 * `method` (POST), `path` (/), `input` (variables sent, comma-separated), `output` (variable of the answer,
 * `exchangeAnswer`), `issue` (variable holding X-Road-Issue; default the case's id), `data` (data categories sent),
 * `receiver` (the receiving organisation's name as the citizen reads it on "Who has seen my data"; default its member id).
 * The X-Road-Id comes from the job's idempotency key: a retry after a timeout or a restart is the same message,
 * which the provider answers once. Failures are the job's: retried with backoff, then an incident.
 */
function callHandler(call: (c: ServiceCall) => Promise<ServiceAnswer>, options: ExchangeOptions, self: string): JobHandler {
  return async (job: ActivatedJob) => {
    const service = job.headers['service']?.trim();
    const purpose = job.headers['purpose']?.trim();
    if (!service) throw invalid('service', `task header 'service' is required (task '${job.elementId}')`);
    if (!purpose) throw invalid('purpose', `task header 'purpose' is required: declare why this case calls ${service} (task '${job.elementId}')`);
    const names = (job.headers['input'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const body = Object.fromEntries(names.map((n) => [n, job.variables[n] ?? null]));
    const issueVar = job.headers['issue'];
    const issueValue = issueVar ? job.variables[issueVar] : undefined;
    const issue = typeof issueValue === 'string' || typeof issueValue === 'number' ? String(issueValue) : `case-${job.instanceId}`;
    const answer = await call({ service, method: job.headers['method'] ?? 'POST', path: job.headers['path'] ?? '/', body: { ...body, purpose }, issue, xroadId: xroadIdFor(`${self}|${job.idempotencyKey}`) });
    if (answer.status >= 400) throw new GovflowError(answer.status >= 500 ? 'GOVFLOW_ERR_EXCHANGE_UNAVAILABLE' : 'GOVFLOW_ERR_EXCHANGE_BAD_REQUEST', `${service} answered ${answer.status}`);
    const privacy = options.privacy;
    const subject = privacy ? await privacy.subjectOfInstance(job.instanceId) : null;
    if (privacy && subject) {
      const categories = (job.headers['data'] ?? 'case-data').split(',').map((s) => s.trim()).filter(Boolean);
      await privacy.db.transaction((tx) => privacy.recordAccess(tx, {
        subject, actor: ACTOR, receiverCode: answer.provider, receiverName: job.headers['receiver']?.trim() || answer.provider, receiverSystem: service,
        action: 'exchange.disclosed', dataCategories: categories, purpose, reference: `case:${job.instanceId}`,
      }));
    }
    return { [job.headers['output'] ?? 'exchangeAnswer']: answer.body, exchangeId: answer.xroadId };
  };
}

