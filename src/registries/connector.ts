import type { KeyObject } from 'node:crypto';
import { GovflowError, type Logger } from '../kernel/index.js';
import { JobBpmnError, type ActivatedJob, type Engine, type JobHandler } from '../engine/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Queryable } from '../store/index.js';
import { importPublicKey, signRequest, verifyResponse, type SigningKey } from './signature.js';

/** The BPMN error code of a renewal by someone the business registry does not list as a representative. */
export const NOT_REPRESENTATIVE = 'not-representative';

/** The registries govflow knows how to ask, with the variable each takes and the variable it fills. */
export const REGISTRIES = {
  population: { path: (id: string) => `/population/v1/persons/${encodeURIComponent(id)}`, input: 'nationalId', output: 'person', categories: ['identity', 'birth-date', 'address', 'household'] },
  business: { path: (id: string) => `/business/v1/companies/${encodeURIComponent(id)}`, input: 'businessCode', output: 'business', categories: ['business-identity', 'address', 'licence-violations'] },
} as const;

export type RegistryName = keyof typeof REGISTRIES;

/** What a personal-data access log (src/privacy, when it lands) needs to know about each lookup. */
export interface PersonalDataRead {
  readonly subject: string;
  readonly actor: 'system:registry-connector';
  readonly receiver: string;
  readonly source: string;
  readonly dataCategories: readonly string[];
  readonly purpose: string;
  readonly instanceId: number;
  readonly requestId: string;
}

export interface RegistryConnectorOptions {
  readonly engine: Engine;
  /** Base URL of the registry gateway (the agency simulator in the demo). */
  readonly baseUrl: string;
  /** The registry's response-signing public key (base64url SPKI) or a KeyObject. */
  readonly registryPublicKey: string | KeyObject;
  /** govflow's own signing key (see loadOrCreateClientKey). */
  readonly clientKey: SigningKey;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Called once per successful lookup (after the privacy access log, if any). */
  readonly onPersonalDataRead?: (read: PersonalDataRead) => Promise<void> | void;
  /**
   * The privacy module: who the case's applicant is and their national ID (the vault), where the records go
   * (sealed in the vault) and the access log each read is recorded in, in the same transaction as its
   * `registry.queried` event, against the person whose data was read.
   */
  readonly privacy: Pick<Privacy, 'db' | 'recordAccess' | 'subjectOfInstance' | 'vault'>;
  /** The receiving organisation for the access log (default demo-municipality). */
  readonly receiver?: { code: string; name: string };
}

const ACTOR = 'system:registry-connector';
const NATIONAL_ID = 'national-id';
/** A registry that lists more household members than this is not answering about a household. */
const MAX_HOUSEHOLD = 20;

type ConnectorPrivacy = Pick<Privacy, 'db' | 'recordAccess' | 'subjectOfInstance' | 'vault'>;

/** One signed, verified answer of a registry. */
interface Answer { readonly status: number; readonly record: Record<string, unknown>; readonly requestId: string; readonly digest: string; readonly signature: string }

/**
 * The `registry-lookup` job handler. Task headers: `registry` (population | business), `purpose` (required: the
 * legal purpose declared for this task), optional `input` (business: the variable holding the business code) and
 * `output` to rename the variables. Once-only, for the right person (issue 13):
 * - population: the registry is asked about the case's applicant — the signed-in person, by the national ID their
 *   eID gave (kept in the vault) — and about the household members the registry itself lists for them. A national ID
 *   typed into the case (the `nationalId` variable, or the `input` header's) is never looked up: the job is refused.
 * - business: the registry is first asked which businesses the applicant represents; a business they do not
 *   represent is refused before anything about it is fetched.
 * Every answer is signed and verified; each record is sealed in the vault under the person it is about, the case
 * holds only `vault:` references, the `registry.queried` event holds the proof (digest, signature) and the
 * reference, never the national ID; and each read is logged against the person whose data was read.
 */
export function createRegistryLookupHandler(options: RegistryConnectorOptions): JobHandler {
  const publicKey = typeof options.registryPublicKey === 'string' ? importPublicKey(options.registryPublicKey) : options.registryPublicKey;
  const timeoutMs = options.timeoutMs ?? 5000;
  const receiver = { receiverCode: options.receiver?.code ?? 'demo-municipality', receiverName: options.receiver?.name ?? 'Demo Municipality', receiverSystem: 'govflow-registry-connector' };

  async function ask(registryName: RegistryName, path: string, purpose: string): Promise<Answer> {
    const signed = signRequest(options.clientKey, { method: 'GET', path, purpose });
    let response: Response;
    let body: string;
    try {
      response = await fetch(new URL(path, options.baseUrl), { headers: signed.headers, signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
    } catch (error) {
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_UNAVAILABLE', `the ${registryName} registry did not answer within ${timeoutMs} ms (${(error as Error).name})`, [], { cause: error });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_UNAVAILABLE', `the ${registryName} registry answered ${response.status}`);
    }
    if (response.status !== 200 && response.status !== 404) {
      // 401/403: our signature or key is not accepted: a configuration fault that retrying will not fix.
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_SIGNATURE', `the ${registryName} registry refused the request (${response.status}): ${body.slice(0, 200)}`);
    }
    const proof = verifyResponse(publicKey, response.headers.get('registry-signature') ?? undefined, { status: response.status, nonce: signed.nonce, body });
    const parsed: unknown = JSON.parse(body);
    const record = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    return { status: response.status, record, requestId: signed.nonce, digest: proof.digest, signature: proof.signature };
  }

  /** The `registry.queried` event: the proof of the exchange and what was asked about, never a national ID. */
  const queried = (job: ActivatedJob, registry: RegistryName, purpose: string, answer: Answer, data: Record<string, unknown>) => ({
    type: 'registry.queried' as const, elementId: job.elementId,
    data: { registry, purpose, requestId: answer.requestId, status: answer.status, responseDigest: answer.digest, responseSignature: answer.signature, ...data },
  });

  async function applicantNationalId(job: ActivatedJob, privacy: ConnectorPrivacy): Promise<{ applicant: string; nationalId: string }> {
    const applicant = await privacy.subjectOfInstance(job.instanceId);
    if (!applicant) throw notAllowed(job, 'applicant', 'the case has no signed-in applicant, and registries are asked only about the person who signed in');
    const nationalId = await privacy.vault.identifierForUse(privacy.db, applicant, NATIONAL_ID);
    if (!nationalId) throw notAllowed(job, 'applicant', 'the applicant did not sign in with a national identity number (eID), so the registry cannot be asked about them');
    return { applicant, nationalId };
  }

  async function population(job: ActivatedJob, privacy: ConnectorPrivacy, purpose: string): Promise<Record<string, unknown>> {
    const typedName = job.headers['input'] ?? REGISTRIES.population.input;
    const typed = job.variables[typedName];
    if (typed !== undefined && typed !== null && typed !== '') {
      throw notAllowed(job, typedName, `a typed national identity number is never looked up: the population registry is asked only about the signed-in applicant and the household the registry lists for them (remove '${typedName}')`);
    }
    const { applicant, nationalId } = await applicantNationalId(job, privacy);
    const main = await ask('population', REGISTRIES.population.path(nationalId), purpose);
    if (main.status === 404) {
      await options.engine.recordCaseEvent(job.instanceId, queried(job, 'population', purpose, main, { subject: applicant }), { actor: ACTOR });
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_NOT_FOUND', `the population registry has no record for the applicant (task '${job.elementId}')`, [{ where: 'applicant', message: 'no record in the registry' }]);
    }
    // The household as the registry lists it: each member's own record is read too, and logged against that member.
    const listed = Array.isArray(main.record['householdMembers']) ? (main.record['householdMembers'] as unknown[]).slice(0, MAX_HOUSEHOLD) : [];
    const members: { person: string; relation: string; answer: Answer }[] = [];
    for (const m of listed) {
      const member = m as { nationalId?: unknown; relation?: unknown };
      if (typeof member.nationalId !== 'string' || member.nationalId.trim() === '' || member.nationalId.length > 64) continue;
      const person = await privacy.db.transaction((tx) => privacy.vault.personForIdentifier(tx, NATIONAL_ID, member.nationalId as string));
      members.push({ person, relation: typeof member.relation === 'string' ? member.relation : 'member', answer: await ask('population', REGISTRIES.population.path(member.nationalId), purpose) });
    }
    return privacy.db.transaction(async (tx: Queryable) => {
      const reference = `case:${job.instanceId}`;
      const record = await privacy.vault.records.seal(tx, { subject: applicant, kind: 'population-record', value: main.record, instanceId: job.instanceId });
      await options.engine.recordCaseEvent(job.instanceId, queried(job, 'population', purpose, main, { subject: applicant, record }), { actor: ACTOR, tx });
      await privacy.recordAccess(tx, { subject: applicant, actor: ACTOR, ...receiver, action: 'registry.population.read', dataCategories: [...REGISTRIES.population.categories], purpose, reference });
      const household: { record: string | null; relation: string }[] = [];
      for (const m of members) {
        const memberRecord = m.answer.status === 200 ? await privacy.vault.records.seal(tx, { subject: m.person, kind: 'population-record', value: m.answer.record, instanceId: job.instanceId }) : null;
        await options.engine.recordCaseEvent(job.instanceId, queried(job, 'population', purpose, m.answer, { subject: m.person, householdMemberOf: applicant, record: memberRecord }), { actor: ACTOR, tx });
        if (memberRecord) {
          await privacy.recordAccess(tx, { subject: m.person, actor: ACTOR, ...receiver, action: 'registry.population.household-member.read', dataCategories: ['identity', 'birth-date', 'address'], purpose, reference });
        }
        household.push({ record: memberRecord, relation: m.relation });
      }
      return { record, householdMembers: household };
    });
  }

  async function business(job: ActivatedJob, privacy: ConnectorPrivacy, purpose: string): Promise<Record<string, unknown>> {
    const inputName = job.headers['input'] ?? REGISTRIES.business.input;
    const code = job.variables[inputName];
    if (typeof code !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(code.trim())) throw inputError(job, inputName, `variable '${inputName}' must be a business code of at most 64 letters, digits and hyphens`);
    const { applicant, nationalId } = await applicantNationalId(job, privacy);
    // Which businesses the applicant represents, from the registry itself (not from anything typed).
    const links = await ask('business', `/business/v1/representatives/${encodeURIComponent(nationalId)}/companies`, purpose);
    const companies = Array.isArray(links.record['companies']) ? links.record['companies'] as { code?: unknown }[] : [];
    const represents = links.status === 200 && companies.some((c) => c.code === code.trim());
    await privacy.db.transaction(async (tx: Queryable) => {
      await options.engine.recordCaseEvent(job.instanceId, queried(job, 'business', purpose, links, { subject: applicant, representation: code.trim(), represents }), { actor: ACTOR, tx });
      await privacy.recordAccess(tx, { subject: applicant, actor: ACTOR, ...receiver, action: 'registry.business.representation.read', dataCategories: ['business-representation'], purpose, reference: `case:${job.instanceId}` });
    });
    if (!represents) {
      // A BPMN error, not a failure: the licence renewal process catches `not-representative` and refuses the
      // application with a letter that says why; a process that does not model it gets an incident.
      throw new JobBpmnError('GOVFLOW_ERR_NOT_REPRESENTATIVE', NOT_REPRESENTATIVE, `the business registry does not list the applicant as representing ${code.trim()}: only its representatives can renew its licence (task '${job.elementId}')`, [{ where: inputName, message: 'the applicant does not represent this business' }]);
    }
    const path = REGISTRIES.business.path(code.trim());
    const answer = await ask('business', path, purpose);
    // The representatives are other people's data the case does not need: they are not kept.
    const { representatives: _representatives, ...company } = answer.record;
    await privacy.db.transaction(async (tx: Queryable) => {
      await options.engine.recordCaseEvent(job.instanceId, queried(job, 'business', purpose, answer, { path, response: company }), { actor: ACTOR, tx });
      if (answer.status === 200) {
        await privacy.recordAccess(tx, { subject: applicant, actor: ACTOR, ...receiver, action: 'registry.business.read', dataCategories: [...REGISTRIES.business.categories], purpose, reference: `case:${job.instanceId}` });
      }
    });
    if (answer.status === 404) {
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_NOT_FOUND', `the business registry has no record for variable '${inputName}'`, [{ where: inputName, message: 'no record in the registry' }]);
    }
    return company;
  }

  return async (job: ActivatedJob) => {
    const registryName = job.headers['registry'];
    const purpose = job.headers['purpose']?.trim();
    if (registryName !== 'population' && registryName !== 'business') throw inputError(job, 'registry', `task header 'registry' must be 'population' or 'business' (got '${registryName ?? ''}')`);
    if (!purpose) throw inputError(job, 'purpose', "task header 'purpose' is required: declare why this case needs the record");
    const privacy = options.privacy;
    const outputName = job.headers['output'] ?? REGISTRIES[registryName].output;
    const result = registryName === 'population' ? await population(job, privacy, purpose) : await business(job, privacy, purpose);
    const subject = await privacy.subjectOfInstance(job.instanceId);
    await options.onPersonalDataRead?.({
      subject: subject ?? '', actor: ACTOR, receiver: `case:${job.instanceId}`, source: `registry:${registryName}`,
      dataCategories: REGISTRIES[registryName].categories, purpose, instanceId: job.instanceId, requestId: job.idempotencyKey,
    });
    options.logger?.info({ instanceId: job.instanceId, registry: registryName }, 'registry lookup');
    return { [outputName]: result };
  };
}

function inputError(job: ActivatedJob, where: string, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_REGISTRY_INPUT', `${message} (task '${job.elementId}')`, [{ where, message }]);
}

function notAllowed(job: ActivatedJob, where: string, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_LOOKUP_NOT_ALLOWED', `${message} (task '${job.elementId}')`, [{ where, message }]);
}
