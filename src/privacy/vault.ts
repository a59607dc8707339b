import { createCipheriv, createDecipheriv, createHmac, createHash, randomBytes } from 'node:crypto';
import { GovflowError, openSecret, sealSecret } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { recordAccess } from './access-log.js';
import { createRecords } from './records.js';

/** Who reads an identifier and why: the read is logged in the person's access log. */
export interface IdentifierReader {
  readonly actor: string;
  readonly purpose: string;
  readonly receiverCode?: string;
  readonly receiverName?: string;
  readonly receiverSystem?: string;
  readonly reference?: string;
}

const KIND = /^[a-z][a-z0-9-]{0,39}$/;
const CIPHER_PREFIX = 'gfid1';

function checkKind(kind: string): void {
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'identifier kind must be lower-case letters, digits and hyphens (e.g. national-id)', [{ where: 'kind', message: 'is not valid' }]);
}
function checkValue(value: string): void {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 200) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'identifier value must be 1 to 200 characters', [{ where: 'value', message: 'is not valid' }]);
}
function checkPerson(personId: string): void {
  if (typeof personId !== 'string' || personId.length === 0 || personId.length > 200) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'personId must be 1 to 200 characters', [{ where: 'personId', message: 'is not valid' }]);
}

/** A separate key for the blind index, derived so it is never the same bytes as any encryption key. */
export function blindIndexKey(masterKey: string | Buffer): Buffer {
  return createHash('sha256').update('govflow-privacy-blind-index\0').update(masterKey).digest();
}

export function blindIndexWith(indexKey: Buffer, kind: string, value: string): string {
  return createHmac('sha256', indexKey).update(`${kind}\0${value.trim()}`).digest('base64url');
}

/**
 * The words of a name or an address as a search compares them: case, accents and punctuation do not matter
 * ("Ä. Virtanen-Ö" finds "a virtanen o"), each word once, at most 20 words of at most 60 characters.
 */
export function searchWords(text: string): string[] {
  const words = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0 && w.length <= 60);
  return [...new Set(words)].slice(0, 20);
}

/**
 * The envelope both the identifiers and the personal records use: AES-256-GCM under data keys that are stored
 * sealed under the master key (`sealSecret`), one of them current; rotating a data key never needs the master key
 * to change, and a stolen database without the master key yields nothing.
 */
export function createEnvelope(masterKey: string | Buffer) {
  const keyCache = new Map<number, Buffer>();

  async function dataKey(q: Queryable, keyId: number): Promise<Buffer> {
    const cached = keyCache.get(keyId);
    if (cached) return cached;
    const { rows } = await q.query<{ wrapped: string }>('select wrapped from privacy_data_key where key_id = $1', [keyId]);
    if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_INTERNAL', `privacy data key ${keyId} is missing`);
    const key = openSecret(rows[0].wrapped, masterKey, `privacy-data-key:${keyId}`);
    keyCache.set(keyId, key);
    return key;
  }

  async function createKey(tx: Queryable): Promise<number> {
    const { rows } = await tx.query<{ next: number }>('select coalesce(max(key_id), 0) + 1 as next from privacy_data_key');
    const keyId = Number(rows[0]!.next);
    await tx.query('update privacy_data_key set current = false where current');
    await tx.query('insert into privacy_data_key (key_id, wrapped, current) values ($1, $2, true)', [keyId, sealSecret(randomBytes(32), masterKey, `privacy-data-key:${keyId}`)]);
    return keyId;
  }

  async function currentKeyId(tx: Queryable): Promise<number> {
    const { rows } = await tx.query<{ key_id: number }>('select key_id from privacy_data_key where current');
    return rows[0] ? Number(rows[0].key_id) : createKey(tx);
  }

  function encrypt(key: Buffer, aad: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [CIPHER_PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  function decrypt(key: Buffer, aad: string, box: string): string {
    const parts = box.split('.');
    if (parts.length !== 4 || parts[0] !== CIPHER_PREFIX) throw new GovflowError('GOVFLOW_ERR_INTERNAL', 'a stored identifier is not in the expected format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new GovflowError('GOVFLOW_ERR_INTERNAL', 'a stored identifier does not open with its data key');
    }
  }

  /** Encrypts under the current data key, in `tx`; returns the key id and the box. */
  async function seal(tx: Queryable, aad: string, value: string): Promise<{ keyId: number; box: string }> {
    const keyId = await currentKeyId(tx);
    return { keyId, box: encrypt(await dataKey(tx, keyId), aad, value) };
  }

  async function open(q: Queryable, keyId: number, aad: string, box: string): Promise<string> {
    return decrypt(await dataKey(q, keyId), aad, box);
  }

  return { dataKey, createKey, currentKeyId, encrypt, decrypt, seal, open };
}

export type Envelope = ReturnType<typeof createEnvelope>;

/**
 * National identifiers encrypted at rest with envelope encryption (`createEnvelope`). Lookups by value use a blind
 * index (HMAC-SHA-256 under a key derived from the master key), so finding a person by national ID decrypts nothing.
 * The person id and kind are bound as associated data: a ciphertext copied onto another row does not open.
 * Personal records (registry answers, household members) are the `records` part (src/privacy/records.ts).
 */
export function createVault(options: { db: Database; masterKey: string | Buffer }) {
  const { db, masterKey } = options;
  const indexKey = blindIndexKey(masterKey);
  const envelope = createEnvelope(masterKey);
  const { dataKey, createKey, currentKeyId, encrypt, decrypt } = envelope;

  function blindIndex(kind: string, value: string): string {
    return blindIndexWith(indexKey, kind, value);
  }

  const aadOf = (personId: string, kind: string): string => `${personId}\0${kind}`;

  async function readRaw(q: Queryable, personId: string, kind: string): Promise<string | null> {
    const { rows } = await q.query<{ key_id: number; ciphertext: string }>('select key_id, ciphertext from privacy_identifier where person_id = $1 and kind = $2', [personId, kind]);
    if (!rows[0]) return null;
    return decrypt(await dataKey(q, Number(rows[0].key_id)), aadOf(personId, kind), rows[0].ciphertext);
  }

  return {
    /** Stores (or replaces) a person's identifier of a kind, encrypted under the current data key, in `tx`. */
    async putIdentifier(tx: Queryable, personId: string, kind: string, value: string): Promise<void> {
      checkPerson(personId); checkKind(kind); checkValue(value);
      const keyId = await currentKeyId(tx);
      const box = encrypt(await dataKey(tx, keyId), aadOf(personId, kind), value.trim());
      await tx.query(
        `insert into privacy_identifier (person_id, kind, key_id, ciphertext, blind_index) values ($1, $2, $3, $4, $5)
         on conflict (person_id, kind) do update set key_id = excluded.key_id, ciphertext = excluded.ciphertext, blind_index = excluded.blind_index, updated_at = now()`,
        [personId, kind, keyId, box, blindIndex(kind, value)],
      );
    },

    /** Decrypts a person's identifier; the read is written to the person's access log in the same transaction. */
    async getIdentifier(personId: string, kind: string, reader: IdentifierReader): Promise<string | null> {
      checkPerson(personId); checkKind(kind);
      if (!reader || typeof reader.actor !== 'string' || !reader.actor || typeof reader.purpose !== 'string' || !reader.purpose) {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'reading an identifier needs an actor and a purpose', [{ where: 'reader', message: 'actor and purpose are required' }]);
      }
      return db.transaction(async (tx) => {
        const value = await readRaw(tx, personId, kind);
        if (value === null) return null;
        // The person reading their own identifier is not a use of their data by someone else.
        if (reader.actor !== `citizen:${personId}`) {
          await recordAccess(tx, {
            subject: personId, actor: reader.actor, action: 'identifier.read', dataCategories: [kind], purpose: reader.purpose,
            receiverCode: reader.receiverCode ?? 'govflow', receiverName: reader.receiverName ?? 'govflow', receiverSystem: reader.receiverSystem ?? 'govflow',
            ...(reader.reference ? { reference: reader.reference } : {}),
          });
        }
        return value;
      });
    },

    /**
     * A person's identifier for a connector that logs its own, more specific read (the registry look-up it makes
     * with it), so the person's page shows one entry per use rather than two. Not for pages: use getIdentifier.
     */
    async identifierForUse(q: Queryable, personId: string, kind: string): Promise<string | null> {
      checkPerson(personId); checkKind(kind);
      return readRaw(q, personId, kind);
    },

    /**
     * The person holding this identifier, or a new person id holding it (encrypted) when nobody does yet: a
     * household member the registry names is a person whose reads are logged under this id, and who finds them
     * on "Who has seen my data" when they first sign in with the same national ID (eID finds them by it).
     */
    async personForIdentifier(tx: Queryable, kind: string, value: string): Promise<string> {
      checkKind(kind); checkValue(value);
      const { rows } = await tx.query<{ person_id: string }>('select person_id from privacy_identifier where kind = $1 and blind_index = $2 limit 1', [kind, blindIndex(kind, value)]);
      if (rows[0]) return rows[0].person_id;
      const personId = `person-${randomBytes(12).toString('hex')}`;
      const { keyId, box } = await envelope.seal(tx, aadOf(personId, kind), value.trim());
      await tx.query('insert into privacy_identifier (person_id, kind, key_id, ciphertext, blind_index) values ($1, $2, $3, $4, $5)', [personId, kind, keyId, box, blindIndex(kind, value)]);
      return personId;
    },

    /**
     * The blind index of each word of a name or an address (`searchWords`), for a search that finds a case by the
     * applicant's name without the name being stored or compared in plain text: the caller keeps and compares
     * only these HMACs, under the `search-<kind>` domain so that they never equal an identifier's index.
     */
    searchTokens(kind: string, text: string): string[] {
      checkKind(kind);
      return searchWords(text).map((w) => blindIndex(`search-${kind}`, w));
    },

    /** Personal records (registry answers) by token: see src/privacy/records.ts. */
    records: createRecords(db, envelope),

    /** The person holding this identifier, found through the blind index without decrypting anything. */
    async findPersonByIdentifier(kind: string, value: string): Promise<string | null> {
      checkKind(kind); checkValue(value);
      const { rows } = await db.query<{ person_id: string }>('select person_id from privacy_identifier where kind = $1 and blind_index = $2 limit 1', [kind, blindIndex(kind, value)]);
      return rows[0]?.person_id ?? null;
    },

    /** Every identifier of a person, decrypted, for the person's own data export (not logged as a use). */
    async identifiersOf(q: Queryable, personId: string): Promise<Record<string, string>> {
      const { rows } = await q.query<{ kind: string; key_id: number; ciphertext: string }>('select kind, key_id, ciphertext from privacy_identifier where person_id = $1 order by kind', [personId]);
      const out: Record<string, string> = {};
      for (const r of rows) out[r.kind] = decrypt(await dataKey(q, Number(r.key_id)), aadOf(personId, r.kind), r.ciphertext);
      return out;
    },

    /** Erases every identifier of a person (retention, erasure request). */
    async eraseIdentifiers(tx: Queryable, personId: string): Promise<number> {
      const { rowCount } = await tx.query('delete from privacy_identifier where person_id = $1', [personId]);
      return rowCount;
    },

    /** Makes a new data key current; new writes use it at once, old rows move over with `reencrypt`. */
    async rotateDataKey(): Promise<number> {
      return db.transaction((tx) => createKey(tx));
    },

    async currentKeyId(): Promise<number> {
      return db.transaction((tx) => currentKeyId(tx));
    },

    /**
     * The re-encryption job: moves up to `batchSize` rows still under an older key to the current key, a batch per
     * transaction (rows locked with skip locked so two runs don't fight). Returns how many moved; call until 0.
     */
    async reencrypt(batchSize = 500): Promise<number> {
      return db.transaction(async (tx) => {
        const keyId = await currentKeyId(tx);
        const { rows } = await tx.query<{ person_id: string; kind: string; key_id: number; ciphertext: string }>(
          'select person_id, kind, key_id, ciphertext from privacy_identifier where key_id <> $1 order by person_id, kind limit $2 for update skip locked',
          [keyId, batchSize],
        );
        const key = await dataKey(tx, keyId);
        for (const r of rows) {
          const aad = aadOf(r.person_id, r.kind);
          const value = decrypt(await dataKey(tx, Number(r.key_id)), aad, r.ciphertext);
          await tx.query('update privacy_identifier set key_id = $3, ciphertext = $4, updated_at = now() where person_id = $1 and kind = $2', [r.person_id, r.kind, keyId, encrypt(key, aad, value)]);
        }
        return rows.length;
      });
    },
  };
}

export type Vault = ReturnType<typeof createVault>;
