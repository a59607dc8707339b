/**
 * Exchange between agencies (issue 25): X-Road's message protocol for REST both ways — identifiers, published
 * services with OpenAPI descriptions, access rights per client subsystem, mutual TLS and JWS-signed messages, a
 * message log sealed by the ledger, and the `exchange-call` job. docs/exchange.md.
 */
export { createExchangePlugin } from './admin-routes.js';
export { xroadIdFor } from './consumer.js';
export type { ServiceAnswer, ServiceCall } from './consumer.js';
export { MAX_MESSAGE_BYTES } from './endpoint.js';
export { createExchange } from './exchange.js';
export type { Exchange, ExchangeOptions } from './exchange.js';
export { SERVICE_KINDS } from './exchange-store.js';
export type { AccessRight, Peer, PublishedService, ServiceKind } from './exchange-store.js';
export { formatClientId, formatMemberId, formatServiceId, MAX_PART_LENGTH, parseClientId, parseServiceId, parseServicePath } from './identifiers.js';
export type { ClientId, MemberId, ServiceId } from './identifiers.js';
export { canonicalRequestHeaders, HASHED_HEADERS, requestHash, responseHash, SIGNATURE_HEADER } from './message-hash.js';
export { MESSAGE_EVENT } from './message-log.js';
export type { MessageSummary } from './message-log.js';
export type { IncomingRequest, OutgoingResponse } from './provider.js';
