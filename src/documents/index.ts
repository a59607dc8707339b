/**
 * Signed decisions: permits, licences and benefit decisions issued as a JWS (EdDSA over RFC 8785 canonical JSON)
 * and a PDF that carries it, with a verification code and QR code; public verification, key rotation, revocation.
 */
export { Documents, createIssueDecisionHandler, decisionInputFromJob } from './service.js';
export type { ComposeLetter, DocumentsOptions, DecisionStatus, IssueDecisionInput, IssuedDecision, JwsVerification } from './service.js';
export { canonicalBytes, signDecision, verifyDecisionJws, DECISION_JWS_TYP, DECISION_TYPE_ID } from './decision.js';
export type { DecisionLetter, DecisionPayload, JwsCheck } from './decision.js';
export { SigningKeys, publicKeyOf, rewrapSigningKeyBoxes } from './keys.js';
export type { PublicSigningJwk, SigningKey } from './keys.js';
export { extractJwsFromPdf, qrPng, renderDecisionPdf, JWS_ATTACHMENT_NAME } from './pdf.js';
export { CODE_ALPHABET, newVerificationCode, parseVerificationCode } from './verification-code.js';
export { createDocumentsPlugin, documentRoutes, publicView, NAME_PUBLIC_FOR } from './web.js';
export type { Authenticate, CanDownload, DocumentsPluginOptions } from './web.js';

import type { Engine } from '../engine/index.js';
import type { Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { Documents } from './service.js';

/** Convenience for the composition root. */
export function createDocuments(options: { db: Database; engine: Engine; masterKey: string; publicUrl: string; issuer: { agency: string; name: string }; logger?: Logger }): Documents {
  return new Documents(options);
}
