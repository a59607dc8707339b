import type { KeyObject } from 'node:crypto';
import { GovflowError, type Logger } from '../kernel/index.js';
import type { ActivatedJob, Engine, JobHandler } from '../engine/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Queryable } from '../store/index.js';
import { importPublicKey, signRequest, verifyResponse, type SigningKey } from './signature.js';

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
   * The privacy module: each successful lookup is recorded in its access log in the same transaction as the
   * `registry.queried` event. Subject: the person the national ID belongs to (vault kind `national-id`), else the
   * case's applicant.
   */
  readonly privacy?: Pick<Privacy, 'db' | 'recordAccess' | 'subjectOfInstance' | 'vault'>;
  /** The receiving organisation for the access log (default demo-municipality). */
  readonly receiver?: { code: string; name: string };
}

const ACTOR = 'system:registry-connector';

/**
 * The `registry-lookup` job handler. Task headers: `registry` (population | business), `purpose` (required: the
 * legal purpose declared for this task), optional `input`/`output` to rename the variables. Signs the request,
 * verifies the signed answer, records `registry.queried` on the case (with the body: the ledger salts event data,
 * so erasing it later keeps proofs valid) and returns the record as the output variable (prefill).
 */
export function createRegistryLookupHandler(options: RegistryConnectorOptions): JobHandler {
  const publicKey = typeof options.registryPublicKey === 'string' ? importPublicKey(options.registryPublicKey) : options.registryPublicKey;
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (job: ActivatedJob) => {
    const registryName = job.headers['registry'];
    const purpose = job.headers['purpose']?.trim();
    if (registryName !== 'population' && registryName !== 'business') throw inputError(job, 'registry', `task header 'registry' must be 'population' or 'business' (got '${registryName ?? ''}')`);
    if (!purpose) throw inputError(job, 'purpose', "task header 'purpose' is required: declare why this case needs the record");
    const registry = REGISTRIES[registryName];
    const inputName = job.headers['input'] ?? registry.input;
    const outputName = job.headers['output'] ?? registry.output;
    const id = job.variables[inputName];
    if (typeof id !== 'string' || id.trim() === '' || id.length > 64) throw inputError(job, inputName, `variable '${inputName}' must be a non-empty identifier of at most 64 characters`);

    const path = registry.path(id.trim());
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
    const record: unknown = JSON.parse(body);
    const event = {
      type: 'registry.queried' as const, elementId: job.elementId,
      data: { registry: registryName, purpose, path, requestId: signed.nonce, status: response.status, responseDigest: proof.digest, responseSignature: proof.signature, response: record as Record<string, unknown> },
    };
    const privacy = options.privacy;
    if (privacy && response.status === 200) {
      const subject = (registryName === 'population' ? await privacy.vault.findPersonByIdentifier('national-id', id.trim()) : null)
        ?? await privacy.subjectOfInstance(job.instanceId);
      await privacy.db.transaction(async (tx: Queryable) => {
        await options.engine.recordCaseEvent(job.instanceId, event, { actor: ACTOR, tx });
        if (subject) {
          await privacy.recordAccess(tx, {
            subject, actor: ACTOR, receiverCode: options.receiver?.code ?? 'demo-municipality', receiverName: options.receiver?.name ?? 'Demo Municipality',
            receiverSystem: 'govflow-registry-connector', action: `registry.${registryName}.read`, dataCategories: [...registry.categories], purpose, reference: `case:${job.instanceId}`,
          });
        }
      });
    } else {
      await options.engine.recordCaseEvent(job.instanceId, event, { actor: ACTOR });
    }
    if (response.status === 404) {
      throw new GovflowError('GOVFLOW_ERR_REGISTRY_NOT_FOUND', `the ${registryName} registry has no record for variable '${inputName}'`, [{ where: inputName, message: 'no record in the registry' }]);
    }
    await options.onPersonalDataRead?.({
      subject: id.trim(), actor: ACTOR, receiver: `case:${job.instanceId}`, source: `registry:${registryName}`,
      dataCategories: registry.categories, purpose, instanceId: job.instanceId, requestId: signed.nonce,
    });
    options.logger?.info({ instanceId: job.instanceId, registry: registryName, requestId: signed.nonce }, 'registry lookup');
    return { [outputName]: record };
  };
}

function inputError(job: ActivatedJob, where: string, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_REGISTRY_INPUT', `${message} (task '${job.elementId}')`, [{ where, message }]);
}
