/**
 * What a leaf commits to, written once as SQL so sealing and verification cannot drift apart.
 *
 * Leaf bytes (UTF-8 text of a JSON array, as rendered by PostgreSQL's json_build_array):
 *   ["govflow-event/1", id, instance_id, seq, type, element_id, element_instance, actor, occurred_at, data_commitment]
 * where occurred_at is UTC with microseconds (`2026-11-28T13:00:00.123456Z`) and data_commitment is the hex of
 * SHA-256(salt || data::text). jsonb's text form is canonical (keys sorted, one spacing), so the same value always
 * gives the same bytes, on PGlite and PostgreSQL and after a pg_dump/restore.
 *
 * The data is committed only through a salted digest, with a random 16-byte salt per event kept in ledger_block:
 * erasing the data (and the salt) leaves the digest, so the leaf and every proof stay valid, while the digest alone
 * does not let anyone confirm a guess of small personal data (a yes/no answer, a birth date) because the salt is gone.
 */

/** What erased data is replaced with; verification accepts it only for events listed in ledger_erasure. */
export const ERASED_DATA = { 'govflow:erased': true } as const;

export const LEAF_FORMAT = 'govflow-event/1';

/** SQL for the data commitment of event alias `e` with salt expression `salt`. */
export function dataDigestSql(e: string, salt: string): string {
  return `sha256(${salt} || convert_to(${e}.data::text, 'UTF8'))`;
}

/** SQL for the leaf bytes (bytea) of event alias `e` with data commitment expression `digest`. */
export function leafBytesSql(e: string, digest: string): string {
  return `convert_to(json_build_array('${LEAF_FORMAT}', ${e}.id, ${e}.instance_id, ${e}.seq, ${e}.type, ${e}.element_id, ${e}.element_instance, ${e}.actor, to_char(${e}.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), encode(${digest}, 'hex'))::text, 'UTF8')`;
}

/** SQL for the RFC 9162 leaf hash SHA-256(0x00 || leaf bytes). */
export function leafHashSql(e: string, digest: string): string {
  return `sha256('\\x00'::bytea || ${leafBytesSql(e, digest)})`;
}

/** bytea from either driver (pg gives Buffer, PGlite Uint8Array) or hex text, as a Buffer without copying. */
export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex');
  throw new TypeError('expected bytea');
}
