import { openSecret, sealSecret } from '../kernel/index.js';
import { appendEvent, type Queryable } from '../store/index.js';

/**
 * The message log (issue 25): every message either way, with its hashes, signatures, time and parties. The proof
 * (hashes, signatures, parties, status) also goes to the event log as an `exchange.message` event, which the ledger
 * seals, so either side can later prove what was asked and answered. Bodies and the X-Road-UserId are personal data:
 * sealed under the master key and erased when the retention period ends; the proof stays.
 */
/** Who asked whom what: the parties and address of a message, as logged. */
export interface MessageParties {
  readonly direction: 'in' | 'out';
  readonly xroadId: string;
  readonly clientId: string;
  readonly serviceId: string;
  readonly method: string;
  readonly path: string;
  readonly issue: string | null;
}

export interface LoggedRequest extends MessageParties {
  readonly userId: string | null;
  readonly requestHash: string;
  readonly requestSignature: string | null;
  readonly body: Buffer;
}

export interface LoggedResponse {
  readonly status: number;
  readonly errorType: string | null;
  readonly responseHash: string | null;
  readonly responseSignature: string | null;
  readonly contentType: string | null;
  readonly body: Buffer;
}

export interface MessageSummary extends MessageParties {
  readonly id: number;
  readonly requestHash: string;
  readonly requestSignature: string | null;
  readonly status: number | null;
  readonly errorType: string | null;
  readonly responseHash: string | null;
  readonly responseSignature: string | null;
  readonly createdAt: string;
  readonly answeredAt: string | null;
  readonly bodiesKept: boolean;
}

export const MESSAGE_EVENT = 'exchange.message';
const ACTOR = 'system:exchange';
const boxContext = (direction: string, part: string, xroadId: string): string => `exchange-message:${direction}:${part}:${xroadId}`;

/** Logs a request; an id the client already used returns the row that exists (a retry, to be answered the same). */
export async function logRequest(tx: Queryable, masterKey: string | Buffer, request: LoggedRequest, retentionDays: number): Promise<{ id: number; fresh: boolean }> {
  const box = sealSecret(Buffer.from(JSON.stringify({ userId: request.userId, body: request.body.toString('base64') })), masterKey, boxContext(request.direction, 'request', request.xroadId));
  const inserted = await tx.query<{ id: string }>(`insert into exchange_message (direction, xroad_id, client_id, service_id, method, path, issue, request_hash, request_signature, request_box, keep_until)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(days => $11::int)) on conflict (direction, client_id, xroad_id) where error_type is null do nothing returning id`,
  [request.direction, request.xroadId, request.clientId, request.serviceId, request.method, request.path, request.issue, request.requestHash, request.requestSignature, box, retentionDays]);
  if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), fresh: true };
  const { rows } = await tx.query<{ id: string }>('select id from exchange_message where direction = $1 and client_id = $2 and xroad_id = $3 and error_type is null', [request.direction, request.clientId, request.xroadId]);
  return { id: Number(rows[0]!.id), fresh: false };
}

/** Records the answer and appends the proof of the whole exchange to the event log (sealed by the ledger). */
export async function logResponse(tx: Queryable, masterKey: string | Buffer, id: number, response: LoggedResponse): Promise<void> {
  const { rows } = await tx.query<Record<string, string | null>>(`update exchange_message set status = $2, error_type = $3, response_hash = $4, response_signature = $5, response_content_type = $6,
      response_box = $7, answered_at = now() where id = $1 and status is null
    returning direction, xroad_id, client_id, service_id, method, path, issue, request_hash, request_signature`,
  [id, response.status, response.errorType, response.responseHash, response.responseSignature, response.contentType, null]);
  const row = rows[0];
  if (!row) return; // answered already: a message is answered (and logged) once
  const box = sealSecret(response.body, masterKey, boxContext(row['direction']!, 'response', row['xroad_id']!));
  await tx.query('update exchange_message set response_box = $2 where id = $1', [id, box]);
  await appendEvent(tx, { type: MESSAGE_EVENT, actor: ACTOR, data: {
    direction: row['direction'], xroadId: row['xroad_id'], client: row['client_id'], service: row['service_id'], method: row['method'], path: row['path'], issue: row['issue'],
    requestHash: row['request_hash'], requestSignature: row['request_signature'], status: response.status, errorType: response.errorType,
    responseHash: response.responseHash, responseSignature: response.responseSignature,
  } });
}

/** The stored answer to a request already answered (a retry gets the same answer, never a second one). */
export async function storedResponse(tx: Queryable, masterKey: string | Buffer, id: number): Promise<(LoggedResponse & { requestHash: string }) | null> {
  const { rows } = await tx.query<{ direction: string; xroad_id: string; status: number | null; error_type: string | null; response_hash: string | null; response_signature: string | null; response_content_type: string | null; response_box: string | null; request_hash: string }>(
    'select direction, xroad_id, status, error_type, response_hash, response_signature, response_content_type, response_box, request_hash from exchange_message where id = $1', [id]);
  const r = rows[0];
  if (!r || r.status === null) return null;
  const body = r.response_box ? openSecret(r.response_box, masterKey, boxContext(r.direction, 'response', r.xroad_id)) : Buffer.alloc(0);
  return { status: r.status, errorType: r.error_type, responseHash: r.response_hash, responseSignature: r.response_signature, contentType: r.response_content_type, body, requestHash: r.request_hash };
}

export async function listMessages(db: Queryable, limit = 50): Promise<MessageSummary[]> {
  const { rows } = await db.query<{ id: string; direction: 'in' | 'out'; xroad_id: string; client_id: string; service_id: string; method: string; path: string; issue: string | null; request_hash: string; request_signature: string | null; status: number | null; error_type: string | null; response_hash: string | null; response_signature: string | null; created_at: Date; answered_at: Date | null; kept: boolean }>(
    `select id, direction, xroad_id, client_id, service_id, method, path, issue, request_hash, request_signature, status, error_type, response_hash, response_signature, created_at, answered_at,
       request_box is not null as kept from exchange_message order by id desc limit $1`, [Math.min(Math.max(1, limit), 500)]);
  return rows.map((r) => ({ id: Number(r.id), direction: r.direction, xroadId: r.xroad_id, clientId: r.client_id, serviceId: r.service_id, method: r.method, path: r.path, issue: r.issue,
    requestHash: r.request_hash, requestSignature: r.request_signature, status: r.status, errorType: r.error_type, responseHash: r.response_hash, responseSignature: r.response_signature,
    createdAt: r.created_at.toISOString(), answeredAt: r.answered_at ? r.answered_at.toISOString() : null, bodiesKept: r.kept }));
}

/** Retention: bodies and user ids past keep_until are erased; hashes and signatures (the proof) stay. */
export async function eraseExpiredBodies(db: Queryable, now = new Date()): Promise<number> {
  const { rows } = await db.query('update exchange_message set request_box = null, response_box = null where keep_until <= $1 and (request_box is not null or response_box is not null) returning id', [now]);
  return rows.length;
}
