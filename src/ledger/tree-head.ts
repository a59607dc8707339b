/**
 * Signed tree heads and checkpoints.
 *
 * A tree head is signed as the body of a transparency-log checkpoint (C2SP tlog-checkpoint):
 *   <origin>\n<tree size>\n<base64 root hash>\ntime <ISO 8601 UTC>\n
 * with Ed25519 over exactly those bytes. The export wraps it as a signed note: the body, a blank line, and
 * `— <origin> <base64(key hash[0:4] || signature)>` where key hash = SHA-256(origin || "\n" || 0x01 || public key),
 * so tools that read checkpoints can check it and anchor it elsewhere.
 *
 * Keys: the private key lives in a PEM file outside the database (never in it, never logged); every public key
 * that signed is recorded in ledger_key by key id (hex of the first 8 bytes of SHA-256 of the raw key), so heads
 * signed before a rotation stay verifiable.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from '../store/index.js';
import { toBuffer } from './leaf.js';
import { rootAt } from './tree-store.js';

export const DEFAULT_ORIGIN = 'govflow/ledger';

export interface LedgerSigner {
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  sign(message: Buffer): Buffer;
}

export interface TreeHead {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly signedAt: string;
  readonly keyId: string;
  readonly signature: Buffer;
}

export function rawPublicKey(key: KeyObject): Buffer {
  // The SPKI encoding of an Ed25519 key is a fixed 12-byte header followed by the 32 raw bytes.
  return key.export({ format: 'der', type: 'spki' }).subarray(-32);
}

export function keyIdOf(publicKey: Buffer): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
}

export function signerFromPrivateKey(privateKey: KeyObject): LedgerSigner {
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return { keyId: keyIdOf(publicKey), publicKey, sign: (message) => sign(null, message, privateKey) };
}

export function generateSigner(): LedgerSigner {
  return signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

/** Loads the Ed25519 key in `file` (PKCS#8 PEM), creating it (mode 0600) on first use. */
export async function loadOrCreateSigner(file: string): Promise<LedgerSigner> {
  try {
    return signerFromPrivateKey(createPrivateKey(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another govflow process created it first: use theirs, so all processes sign with one key.
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return signerFromPrivateKey(createPrivateKey(await readFile(file, 'utf8')));
  }
  await chmod(file, 0o600);
  return signerFromPrivateKey(privateKey);
}

export function checkpointBody(head: Pick<TreeHead, 'origin' | 'treeSize' | 'rootHash' | 'signedAt'>): string {
  return `${head.origin}\n${head.treeSize}\n${head.rootHash.toString('base64')}\ntime ${head.signedAt}\n`;
}

export function verifyTreeHead(head: TreeHead, publicKey: Buffer): boolean {
  return verify(null, Buffer.from(checkpointBody(head)), publicKeyFromRaw(publicKey), head.signature);
}

/** The checkpoint as a signed note, ready to hand to a witness or anchor. */
export function formatCheckpoint(head: TreeHead, publicKey: Buffer): string {
  const keyHash = createHash('sha256').update(Buffer.concat([Buffer.from(`${head.origin}\n`), Buffer.from([0x01]), publicKey])).digest().subarray(0, 4);
  return `${checkpointBody(head)}\n\u2014 ${head.origin} ${Buffer.concat([keyHash, head.signature]).toString('base64')}\n`;
}

/** Signs the current tree (whatever has been sealed) and stores the head. */
export async function publishTreeHead(db: Database, signer: LedgerSigner, options: { origin?: string | undefined } = {}): Promise<TreeHead> {
  return db.transaction(async (tx) => {
    await tx.query('insert into ledger_key (key_id, public_key) values ($1, decode($2, \'hex\')) on conflict (key_id) do nothing', [signer.keyId, signer.publicKey.toString('hex')]);
    // A shared lock on the state row: the size and the nodes we read belong to one committed seal.
    const { rows } = await tx.query<{ tree_size: string }>('select tree_size::text from ledger_state for share');
    const treeSize = Number(rows[0]?.tree_size ?? 0);
    const rootHash = await rootAt(tx, treeSize);
    const head = { origin: options.origin ?? DEFAULT_ORIGIN, treeSize, rootHash, signedAt: new Date().toISOString(), keyId: signer.keyId };
    const signature = signer.sign(Buffer.from(checkpointBody(head)));
    await tx.query(
      `insert into ledger_tree_head (origin, tree_size, root_hash, signed_at, key_id, signature)
       values ($1, $2, decode($3, 'hex'), $4, $5, decode($6, 'hex'))`,
      [head.origin, String(treeSize), rootHash.toString('hex'), head.signedAt, head.keyId, signature.toString('hex')],
    );
    return { ...head, signature };
  });
}

interface HeadRow {
  origin: string;
  tree_size: string;
  root_hash: unknown;
  signed_at: string;
  key_id: string;
  signature: unknown;
}

const HEAD_COLUMNS = `origin, tree_size::text, root_hash, to_char(signed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as signed_at, key_id, signature`;

function toHead(row: HeadRow): TreeHead {
  return {
    origin: row.origin,
    treeSize: Number(row.tree_size),
    rootHash: toBuffer(row.root_hash),
    signedAt: row.signed_at,
    keyId: row.key_id,
    signature: toBuffer(row.signature),
  };
}

/** The latest signed head, or undefined before the first one. */
export async function latestTreeHead(q: Queryable): Promise<TreeHead | undefined> {
  const { rows } = await q.query<HeadRow>(`select ${HEAD_COLUMNS} from ledger_tree_head order by id desc limit 1`);
  return rows[0] ? toHead(rows[0]) : undefined;
}

/** A head by id; heads never change, so this is cached per connection handle. */
const headCache = new WeakMap<object, Map<string, TreeHead>>();
export async function treeHeadById(q: Queryable, id: string): Promise<TreeHead | undefined> {
  const cache = headCache.get(q) ?? new Map<string, TreeHead>();
  headCache.set(q, cache);
  const hit = cache.get(id);
  if (hit) return hit;
  const { rows } = await q.query<HeadRow>(`select ${HEAD_COLUMNS} from ledger_tree_head where id = $1`, [id]);
  const head = rows[0] ? toHead(rows[0]) : undefined;
  if (head) cache.set(id, head);
  return head;
}

export async function allTreeHeads(q: Queryable): Promise<TreeHead[]> {
  const { rows } = await q.query<HeadRow>(`select ${HEAD_COLUMNS} from ledger_tree_head order by id`);
  return rows.map(toHead);
}

export async function publicKeys(q: Queryable): Promise<Map<string, Buffer>> {
  const { rows } = await q.query<{ key_id: string; public_key: unknown }>('select key_id, public_key from ledger_key');
  return new Map(rows.map((r) => [r.key_id, toBuffer(r.public_key)]));
}

/** The latest head as a signed-note checkpoint. */
export async function exportCheckpoint(db: Database): Promise<string | undefined> {
  const head = await latestTreeHead(db);
  if (!head) return undefined;
  const key = (await publicKeys(db)).get(head.keyId);
  if (!key) throw new Error(`public key ${head.keyId} is not recorded`);
  return formatCheckpoint(head, key);
}

/** Every signed head whose tree has at least `sinceSize` leaves, oldest first, as signed-note checkpoints. */
export async function checkpointsSince(q: Queryable, sinceSize = 0, limit = 1000): Promise<string[]> {
  const { rows } = await q.query<HeadRow>(`select ${HEAD_COLUMNS} from ledger_tree_head where tree_size >= $1 order by id limit $2`, [String(sinceSize), limit]);
  if (rows.length === 0) return [];
  const keys = await publicKeys(q);
  return rows.map(toHead).map((head) => {
    const key = keys.get(head.keyId);
    if (!key) throw new Error(`public key ${head.keyId} is not recorded`);
    return formatCheckpoint(head, key);
  });
}
