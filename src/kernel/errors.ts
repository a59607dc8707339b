/**
 * One catalogue of coded errors for the whole platform (after Fastify's `FST_ERR_*`).
 *
 * Every error that leaves a module is a {@link GovflowError} with a stable code. Codes are never reused
 * once retired; `docs/errors.md` lists them and a test keeps the two in step.
 *
 * `kind` tells the caller what to do:
 * - `user`  — the request is wrong; the caller must change it (HTTP 4xx);
 * - `retry` — a transient condition (lock timeout, connection lost); the same request may succeed later (HTTP 503/409);
 * - `bug`   — our fault; logged with its stack, shown to people only as a reference (HTTP 500).
 */
export type ErrorKind = 'user' | 'retry' | 'bug';

export interface ErrorSpec {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly title: string;
}

export const ERROR_CATALOGUE = {
  GOVFLOW_ERR_VALIDATION: { kind: 'user', status: 400, title: 'The request is not valid' },
  GOVFLOW_ERR_NOT_FOUND: { kind: 'user', status: 404, title: 'Not found' },
  GOVFLOW_ERR_CONFLICT: { kind: 'user', status: 409, title: 'The resource changed or was already handled' },
  GOVFLOW_ERR_PAYLOAD_TOO_LARGE: { kind: 'user', status: 413, title: 'The upload is too large' },
  GOVFLOW_ERR_UPLOAD_TYPE: { kind: 'user', status: 415, title: 'The file is not of an allowed type' },
  GOVFLOW_ERR_PAYMENT_PROVIDER: { kind: 'retry', status: 502, title: 'The payment provider could not be reached' },
  GOVFLOW_ERR_UNAUTHENTICATED: { kind: 'user', status: 401, title: 'Sign-in required' },
  GOVFLOW_ERR_FORBIDDEN: { kind: 'user', status: 403, title: 'Not allowed' },
  GOVFLOW_ERR_BPMN_PARSE: { kind: 'user', status: 400, title: 'The BPMN file could not be read' },
  GOVFLOW_ERR_BPMN_UNSUPPORTED: { kind: 'user', status: 422, title: 'The BPMN model uses elements govflow cannot execute' },
  GOVFLOW_ERR_BPMN_INVALID: { kind: 'user', status: 422, title: 'The BPMN model is not executable as drawn' },
  GOVFLOW_ERR_FEEL_SYNTAX: { kind: 'user', status: 422, title: 'A FEEL expression has a syntax error' },
  GOVFLOW_ERR_FEEL_EVALUATION: { kind: 'user', status: 422, title: 'A FEEL expression could not be evaluated' },
  GOVFLOW_ERR_VARIABLE_TYPE: { kind: 'user', status: 400, title: 'A variable has the wrong type' },
  GOVFLOW_ERR_PROCESS_NOT_FOUND: { kind: 'user', status: 404, title: 'No such process definition' },
  GOVFLOW_ERR_INSTANCE_NOT_FOUND: { kind: 'user', status: 404, title: 'No such process instance' },
  GOVFLOW_ERR_INSTANCE_NOT_ACTIVE: { kind: 'user', status: 409, title: 'The process instance is no longer active' },
  GOVFLOW_ERR_TASK_NOT_FOUND: { kind: 'user', status: 404, title: 'No such task' },
  GOVFLOW_ERR_TASK_ALREADY_COMPLETED: { kind: 'user', status: 409, title: 'The task was already completed' },
  GOVFLOW_ERR_TASK_CLAIMED: { kind: 'user', status: 409, title: 'The task is claimed by someone else' },
  GOVFLOW_ERR_JOB_NOT_FOUND: { kind: 'user', status: 404, title: 'No such job' },
  GOVFLOW_ERR_JOB_NOT_LOCKED: { kind: 'user', status: 409, title: 'The job is not locked by this worker' },
  GOVFLOW_ERR_INCIDENT_NOT_FOUND: { kind: 'user', status: 404, title: 'No such incident' },
  GOVFLOW_ERR_MESSAGE_NOT_CORRELATED: { kind: 'user', status: 404, title: 'No process is waiting for this message' },
  GOVFLOW_ERR_DECISION_NOT_FOUND: { kind: 'user', status: 404, title: 'No such decision' },
  GOVFLOW_ERR_DMN_PARSE: { kind: 'user', status: 400, title: 'The DMN file could not be read' },
  GOVFLOW_ERR_DMN_INVALID: { kind: 'user', status: 422, title: 'The DMN model is not valid' },
  GOVFLOW_ERR_LOG_PARSE: { kind: 'user', status: 400, title: 'The event log could not be read' },
  GOVFLOW_ERR_DATABASE_UNAVAILABLE: { kind: 'retry', status: 503, title: 'The database is not reachable' },
  GOVFLOW_ERR_CONCURRENT_UPDATE: { kind: 'retry', status: 503, title: 'A concurrent update got in the way; try again' },
  GOVFLOW_ERR_INTERNAL: { kind: 'bug', status: 500, title: 'Something went wrong on our side' },
  GOVFLOW_ERR_LEDGER_BEHIND: { kind: 'retry', status: 503, title: 'Sealing of the ledger is behind its limit; writes are paused' },
  GOVFLOW_ERR_LEDGER_DAMAGED: { kind: 'bug', status: 500, title: "The ledger's stored tree is incomplete; run govflow ledger verify" },
  GOVFLOW_ERR_LEDGER_PROOF: { kind: 'user', status: 404, title: 'No ledger proof is available for that entry or tree size' },
  GOVFLOW_ERR_DOCUMENT_INPUT: { kind: 'user', status: 422, title: 'The variables needed to issue a decision are missing or not valid' },
  GOVFLOW_ERR_DOCUMENT_NOT_FOUND: { kind: 'user', status: 404, title: 'No signed decision has that verification code' },
  GOVFLOW_ERR_REGISTRY_INPUT: { kind: 'user', status: 422, title: 'A registry lookup task is missing its purpose, registry or input variable' },
  GOVFLOW_ERR_REGISTRY_NOT_FOUND: { kind: 'user', status: 404, title: 'The other agency\'s registry has no record for that identifier' },
  GOVFLOW_ERR_REGISTRY_UNAVAILABLE: { kind: 'retry', status: 503, title: 'The other agency\'s registry did not answer; try again' },
  GOVFLOW_ERR_REGISTRY_SIGNATURE: { kind: 'bug', status: 500, title: 'A registry exchange was not signed as agreed' },
  GOVFLOW_ERR_NOTIFICATION_INPUT: { kind: 'user', status: 422, title: 'A notification is missing its template, recipient or placeholders' },
  GOVFLOW_ERR_CONFIG: { kind: 'user', status: 400, title: 'A setting is not valid, or not safe in production mode' },
  // A 4xx the caller must act on (wait for Retry-After), so 'user': every page's error handler answers it as such.
  GOVFLOW_ERR_RATE_LIMITED: { kind: 'user', status: 429, title: 'Too many requests; wait and try again' },
  // Issue 13, once-only for the right person (s13-vault).
  GOVFLOW_ERR_LOOKUP_NOT_ALLOWED: { kind: 'user', status: 403, title: 'A registry is asked only about the signed-in person or someone the registry links to them' },
  GOVFLOW_ERR_NOT_REPRESENTATIVE: { kind: 'user', status: 403, title: 'The business registry does not list the applicant as representing that business' },
  // keys (issue 13): key rotation.
  GOVFLOW_ERR_KEY_ROTATION: { kind: 'user', status: 409, title: 'A key rotation cannot go on as asked (another new key, or a secret no key opens)' },
  // engine round 2 (issue 16): nothing in the Camunda namespaces is ignored, and the Camunda 7 converter.
  GOVFLOW_ERR_BPMN_EXTENSION_REFUSED: { kind: 'user', status: 422, title: 'The BPMN model uses a Zeebe or Camunda 7 extension govflow does not run (each detail says what to write instead)' },
  GOVFLOW_ERR_CONVERT_INPUT: { kind: 'user', status: 422, title: 'The model given to govflow convert is not a Camunda 7 BPMN model it can read' },
  // Exchange between agencies (issue 25, X-Road REST protocol): src/exchange/.
  GOVFLOW_ERR_EXCHANGE_BAD_REQUEST: { kind: 'user', status: 400, title: 'An exchange request does not follow the X-Road message protocol for REST' },
  GOVFLOW_ERR_EXCHANGE_REFUSED: { kind: 'user', status: 403, title: 'The other organisation refused the call: the client has no access to that service' },
  GOVFLOW_ERR_EXCHANGE_UNKNOWN: { kind: 'user', status: 404, title: 'No such exchange service, member or peer' },
  GOVFLOW_ERR_EXCHANGE_UNAVAILABLE: { kind: 'retry', status: 503, title: 'The other organisation did not answer in time; try again' },
  GOVFLOW_ERR_EXCHANGE_SIGNATURE: { kind: 'bug', status: 500, title: 'An exchange message was not signed or authenticated as agreed' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  /** Where the problem is: a file, element id, field path or expression. */
  readonly where?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
  readonly [extra: string]: unknown;
}

/**
 * Brands govflow's errors so that they are recognised across copies of this module: the `mine` command is built into
 * one file of its own (scripts/build.mjs) with its own copy of the kernel, and its errors reach the CLI's handler,
 * which loads the kernel separately. A registered symbol is the same in every copy.
 */
const GOVFLOW_ERROR = Symbol.for('govflow.error');

export class GovflowError extends Error {
  readonly [GOVFLOW_ERROR] = true;
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GovflowError';
    this.code = code;
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    this.kind = spec.kind;
    this.status = spec.status;
    this.details = details;
  }

  /** The shape sent over HTTP and printed by the CLI; never includes a stack. */
  toJSON(): { code: ErrorCode; message: string; details: readonly ErrorDetail[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isGovflowError(value: unknown): value is GovflowError {
  return value instanceof GovflowError || (value instanceof Error && (value as Error & { [GOVFLOW_ERROR]?: unknown })[GOVFLOW_ERROR] === true);
}

/** Normalises anything thrown at a boundary into a coded error; unknown errors become `GOVFLOW_ERR_INTERNAL`. */
export function toGovflowError(error: unknown): GovflowError {
  if (isGovflowError(error)) return error;
  const pgCode = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (pgCode === '40001' || pgCode === '40P01' || pgCode === '55P03') {
    return new GovflowError('GOVFLOW_ERR_CONCURRENT_UPDATE', 'A concurrent update got in the way; try again', [], { cause: error });
  }
  if (pgCode === 'ECONNREFUSED' || pgCode === '57P01' || pgCode === '57P03' || pgCode === '08006' || pgCode === '08003') {
    return new GovflowError('GOVFLOW_ERR_DATABASE_UNAVAILABLE', 'The database is not reachable', [], { cause: error });
  }
  return new GovflowError('GOVFLOW_ERR_INTERNAL', 'Something went wrong on our side', [], { cause: error });
}
