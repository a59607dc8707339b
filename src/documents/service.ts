import { GovflowError, type Logger } from '../kernel/index.js';
import { isLanguage, type Language } from '../i18n/index.js';
import type { ActivatedJob, Engine, JobHandler } from '../engine/index.js';
import { appendEvent, type Database } from '../store/index.js';
import { signDecision, verifyDecisionJws, DECISION_TYPE_ID, type DecisionLetter, type DecisionPayload, type JwsCheck } from './decision.js';
import { SigningKeys, type PublicSigningJwk } from './keys.js';
import { extractJwsFromPdf, renderDecisionPdf } from './pdf.js';
import { newVerificationCode, parseVerificationCode } from './verification-code.js';

export interface DocumentsOptions {
  readonly db: Database;
  readonly engine: Engine;
  /** resolveMasterKey(config): seals the private signing keys at rest. */
  readonly masterKey: string;
  /** The address citizens use; the QR code and PDF point at `<publicUrl>/verify/<code>`. */
  readonly publicUrl: string;
  readonly issuer: { readonly agency: string; readonly name: string };
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface IssueDecisionInput {
  readonly service: string;
  readonly reference: string;
  readonly decisionType: string;
  readonly outcome: 'approved' | 'refused';
  readonly reasons: readonly string[];
  readonly subjectName: string;
  readonly subjectNationalId?: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly details?: Record<string, unknown>;
  readonly letter?: DecisionLetter;
  /** The language the citizen chose (kept on the case): the letter's own words are in it; English when absent. */
  readonly language?: Language;
  /** The case and BPMN element instance that issue it: the idempotency key (a retried job issues nothing new). */
  readonly instanceId?: number;
  readonly elementInstance?: string;
}

export interface IssuedDecision {
  readonly code: string;
  readonly kid: string;
  readonly jws: string;
  readonly verifyUrl: string;
  /** False when the call found the decision issued by an earlier attempt. */
  readonly created: boolean;
}

export interface DecisionStatus {
  readonly code: string;
  readonly status: 'current' | 'revoked';
  readonly kid: string;
  readonly reference: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly payload: DecisionPayload;
  readonly jws: string;
}

export interface JwsVerification {
  readonly valid: boolean;
  readonly reason?: string;
  readonly status?: 'current' | 'revoked' | 'unknown';
  readonly kid?: string;
  readonly code?: string;
  readonly revokedAt?: string | null;
  readonly revokedReason?: string | null;
  readonly payload?: DecisionPayload;
}

interface DecisionRow {
  code: string; kid: string; jws: string; reference: string; issued_at: Date | string;
  revoked_at: Date | string | null; revoked_reason: string | null; pdf: Uint8Array;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const MAX_TEXT = 2000;

function payloadOf(jws: string): DecisionPayload {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as DecisionPayload;
}

/** Signed decisions: keys, issuing, the proof formats (JWS, PDF, QR), verification and revocation. */
export class Documents {
  readonly keys: SigningKeys;
  private readonly now: () => Date;

  constructor(private readonly options: DocumentsOptions) {
    this.keys = new SigningKeys(options.db, options.masterKey);
    this.now = options.now ?? (() => new Date());
  }

  verifyUrl(code: string): string {
    return `${this.options.publicUrl.replace(/\/+$/, '')}/verify/${code}`;
  }

  rotateSigningKey(actor: string | null): Promise<{ kid: string; previousKid: string | null }> {
    return this.keys.rotate(actor);
  }

  jwks(): Promise<{ keys: PublicSigningJwk[] }> {
    return this.keys.jwks();
  }

  private async existing(instanceId: number | undefined, elementInstance: string | undefined): Promise<IssuedDecision | null> {
    if (instanceId === undefined || elementInstance === undefined) return null;
    const { rows } = await this.options.db.query<{ code: string; kid: string; jws: string }>(
      'select code, kid, jws from signed_decision where instance_id = $1 and element_instance = $2', [instanceId, elementInstance]);
    return rows[0] ? { code: rows[0].code, kid: rows[0].kid, jws: rows[0].jws, verifyUrl: this.verifyUrl(rows[0].code), created: false } : null;
  }

  async issueDecision(input: IssueDecisionInput, actor: string | null = null): Promise<IssuedDecision> {
    const found = await this.existing(input.instanceId, input.elementInstance);
    if (found) return found;
    const key = await this.keys.active();
    const code = newVerificationCode();
    const payload: DecisionPayload = {
      type: DECISION_TYPE_ID,
      issuer: { agency: this.options.issuer.agency, name: this.options.issuer.name },
      service: input.service,
      reference: input.reference,
      decisionType: input.decisionType,
      outcome: input.outcome,
      reasons: [...input.reasons],
      subject: { name: input.subjectName, ...(input.subjectNationalId ? { nationalId: input.subjectNationalId } : {}) },
      issuedAt: this.now().toISOString(),
      ...(input.validFrom ? { validFrom: input.validFrom } : {}),
      ...(input.validUntil ? { validUntil: input.validUntil } : {}),
      details: input.details ?? {},
      verificationCode: code,
      ...(input.letter ? { letter: input.letter } : {}),
    };
    const jws = await signDecision(payload, key);
    const pdf = await renderDecisionPdf(payload, jws, this.verifyUrl(code), input.language ?? 'en');
    try {
      await this.options.db.transaction(async (tx) => {
        await tx.query(
          `insert into signed_decision (code, instance_id, element_instance, reference, service_id, decision_type, kid, jws, pdf, issued_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [code, input.instanceId ?? null, input.elementInstance ?? null, input.reference, input.service, input.decisionType, key.kid, jws, Buffer.from(pdf), payload.issuedAt]);
        // The case event names the code, never the personal content (that lives in the JWS, outside the ledger's hash).
        const data = { code, kid: key.kid, decisionType: input.decisionType, outcome: input.outcome };
        if (input.instanceId !== undefined) await this.options.engine.recordCaseEvent(input.instanceId, { type: 'decision.issued', data }, { actor, tx });
        else await appendEvent(tx, { type: 'decision.issued', actor, data: { ...data, reference: input.reference } });
      });
    } catch (error) {
      // A concurrent attempt for the same element instance won the unique constraint: return what it issued.
      const again = await this.existing(input.instanceId, input.elementInstance);
      if (again) return again;
      throw error;
    }
    return { code, kid: key.kid, jws, verifyUrl: this.verifyUrl(code), created: true };
  }

  private async row(code: string): Promise<DecisionRow | null> {
    const normal = parseVerificationCode(code);
    if (!normal) return null;
    const { rows } = await this.options.db.query<DecisionRow>(
      'select code, kid, jws, reference, issued_at, revoked_at, revoked_reason, pdf from signed_decision where code = $1', [normal]);
    return rows[0] ?? null;
  }

  /** The decision's status by code, or null for an unknown (or malformed) code. */
  async status(code: string): Promise<DecisionStatus | null> {
    const row = await this.row(code);
    if (!row) return null;
    return {
      code: row.code, status: row.revoked_at ? 'revoked' : 'current', kid: row.kid, reference: row.reference,
      issuedAt: iso(row.issued_at)!, revokedAt: iso(row.revoked_at), revokedReason: row.revoked_reason,
      payload: payloadOf(row.jws), jws: row.jws,
    };
  }

  /** The stored documents of a decision: the exact bytes issued, so a re-download is identical. */
  async download(code: string): Promise<{ reference: string; jws: string; pdf: Buffer } | null> {
    const row = await this.row(code);
    return row ? { reference: row.reference, jws: row.jws, pdf: Buffer.from(row.pdf) } : null;
  }

  async revokeDecision(code: string, reason: string, actor: string | null): Promise<DecisionStatus> {
    const normal = parseVerificationCode(code);
    if (!normal) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'code is not a verification code (like K7QX-M2PA-9F3D)', [{ where: 'code', message: 'is not a verification code' }]);
    const why = reason.trim();
    if (!why || why.length > MAX_TEXT) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `reason must be 1 to ${MAX_TEXT} characters`, [{ where: 'reason', message: 'is required' }]);
    await this.options.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ revoked_at: Date | null }>('select revoked_at from signed_decision where code = $1 for update', [normal]);
      if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_DOCUMENT_NOT_FOUND', `no signed decision has the code ${normal}`);
      if (rows[0].revoked_at) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `the decision ${normal} is already revoked`);
      await tx.query('update signed_decision set revoked_at = $2, revoked_reason = $3, revoked_by = $4 where code = $1', [normal, this.now(), why, actor]);
      await appendEvent(tx, { type: 'documents.decision-revoked', actor, data: { code: normal, reason: why } });
    });
    return (await this.status(normal))!;
  }

  /** Verifies a JWS (or a PDF carrying one) against the JWKS, then looks up whether it is still current. */
  async verifyJws(jws: string): Promise<JwsVerification> {
    const check: JwsCheck = await verifyDecisionJws(jws, await this.jwks());
    if (!check.valid) return { valid: false, reason: check.reason };
    const status = await this.status(check.payload.verificationCode);
    // A valid signature over a code we have no record of (a restored backup?) is genuine but its status unknown.
    const same = status !== null && status.jws === jws.trim();
    return {
      valid: true, kid: check.kid, code: check.payload.verificationCode, payload: check.payload,
      status: same ? status.status : 'unknown',
      revokedAt: same ? status.revokedAt : null, revokedReason: same ? status.revokedReason : null,
    };
  }

  async verifyPdf(pdf: Uint8Array): Promise<JwsVerification> {
    const jws = await extractJwsFromPdf(pdf);
    if (!jws) return { valid: false, reason: `the PDF carries no ${'decision.jws'} attachment` };
    return this.verifyJws(jws);
  }
}

function text(value: unknown, field: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new GovflowError('GOVFLOW_ERR_DOCUMENT_INPUT', `issue-decision needs the job variable '${field}' as a non-empty text of at most ${max} characters`, [{ where: field, message: 'is missing or not a text' }]);
  }
  return value.trim();
}

/** Reads the `issue-decision` job's variables (the contract in docs/signed-decisions.md), naming the first bad one. */
export function decisionInputFromJob(job: ActivatedJob): IssueDecisionInput {
  const v = job.variables;
  const decision = text(v['decision'], 'decision', 20);
  if (decision !== 'approved' && decision !== 'refused') {
    throw new GovflowError('GOVFLOW_ERR_DOCUMENT_INPUT', `issue-decision: the job variable 'decision' must be 'approved' or 'refused', not '${decision.slice(0, 20)}'`, [{ where: 'decision', message: "must be 'approved' or 'refused'" }]);
  }
  const rawReasons = v['decisionReasons'];
  let reasons: string[];
  if (rawReasons === undefined || rawReasons === null) reasons = [];
  else if (typeof rawReasons === 'string') reasons = rawReasons.trim() ? [text(rawReasons, 'decisionReasons')] : [];
  else if (Array.isArray(rawReasons) && rawReasons.length <= 50) reasons = rawReasons.map((r, i) => text(r, `decisionReasons[${i}]`));
  else throw new GovflowError('GOVFLOW_ERR_DOCUMENT_INPUT', "issue-decision: the job variable 'decisionReasons' must be a text or a list of texts", [{ where: 'decisionReasons', message: 'is not a text or list of texts' }]);
  const decisionType = text(v['decisionType'], 'decisionType', 40);
  if (!/^[a-z][a-z0-9-]*$/.test(decisionType)) {
    throw new GovflowError('GOVFLOW_ERR_DOCUMENT_INPUT', "issue-decision: the job variable 'decisionType' must be a lower-case word such as 'permit', 'licence' or 'benefit'", [{ where: 'decisionType', message: 'is not a decision type' }]);
  }
  const date = (name: string): string | undefined => {
    const raw = v[name];
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) {
      throw new GovflowError('GOVFLOW_ERR_DOCUMENT_INPUT', `issue-decision: the job variable '${name}' must be an ISO date`, [{ where: name, message: 'is not a date' }]);
    }
    return raw;
  };
  const validFrom = date('validFrom');
  const validUntil = date('validUntil');
  return {
    service: text(v['serviceId'], 'serviceId', 200),
    reference: text(v['reference'], 'reference', 200),
    decisionType, outcome: decision, reasons,
    subjectName: text(v['applicantName'], 'applicantName', 300),
    // The case's language, recorded by the portal when the application was sent; anything else is English.
    ...(isLanguage(v['language']) ? { language: v['language'] } : {}),
    ...(validFrom ? { validFrom } : {}),
    ...(validUntil ? { validUntil } : {}),
    instanceId: job.instanceId,
    elementInstance: job.elementInstance,
  };
}

/**
 * The letter of a case: the composition root fills the service's template from the case (documents does not know
 * the catalogue). `issuedAt` is the day of issue the letter's dates count from. Null: a letter without those sections.
 */
export type ComposeLetter = (job: ActivatedJob, input: IssueDecisionInput, issuedAt: string) => Promise<(DecisionLetter & { validFrom?: string; validUntil?: string; reasons?: readonly string[] }) | null>;

/** The `issue-decision` job handler: issues once per (instance, element instance) and returns `{ decisionCode }`. */
export function createIssueDecisionHandler(documents: Documents, options: { letter?: ComposeLetter; nationalIdOf?: (job: ActivatedJob) => Promise<string | null>; now?: () => Date } = {}): JobHandler {
  const now = options.now ?? (() => new Date());
  return async (job) => {
    const input = decisionInputFromJob(job);
    const composed = options.letter ? await options.letter(job, input, now().toISOString()) : null;
    // `reasons`: the reasons as the letter's reader reads them (a rule's own words in the case's language); they are
    // what is signed and printed, as the reasons a clerk writes in that language are.
    const { validFrom, validUntil, reasons, ...letter } = composed ?? { validFrom: undefined, validUntil: undefined, reasons: undefined };
    // The national ID is not a case variable (it lives only in the vault): the composition root opens it for the
    // document, logged as a read for the person; it is written into the signed decision, never into the case.
    const nationalId = options.nationalIdOf ? await options.nationalIdOf(job) : null;
    const issued = await documents.issueDecision({
      ...input,
      ...(reasons ? { reasons } : {}),
      ...(nationalId ? { subjectNationalId: nationalId } : {}),
      ...(composed ? { letter: letter as DecisionLetter } : {}),
      ...(validFrom && !input.validFrom ? { validFrom } : {}),
      ...(validUntil && !input.validUntil ? { validUntil } : {}),
    }, `system:issue-decision`);
    return { decisionCode: issued.code, decisionVerifyUrl: issued.verifyUrl };
  };
}
