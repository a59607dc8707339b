import { rename } from 'node:fs/promises';
import type { Database } from '../store/index.js';
import { loadOrCreateSigner, publishTreeHead, type LedgerSigner } from './tree-head.js';

/**
 * Rotation of the ledger's tree-head signing key (`govflow keys rotate signing`), in steps that survive a crash:
 * the next key is first written beside the current one (`<file>.next`, reused by a rerun), its public half is
 * recorded in ledger_key, and only then does it replace the current file (an atomic rename) and sign a first head.
 * Old heads keep verifying: every public key that ever signed stays in ledger_key. Processes that loaded the old
 * key keep signing with it (still trusted) until they restart.
 */
export function nextSignerFile(file: string): string {
  return `${file}.next`;
}

/** The key the rotation moves to: the one a killed run already wrote, or a new one. */
export function prepareNextSigner(file: string): Promise<LedgerSigner> {
  return loadOrCreateSigner(nextSignerFile(file));
}

/** Makes the prepared key current and publishes a head signed by it. Idempotent once `next` is in place. */
export async function installNextSigner(db: Database, file: string, next: LedgerSigner): Promise<void> {
  await db.query('insert into ledger_key (key_id, public_key) values ($1, decode($2, \'hex\')) on conflict (key_id) do nothing', [next.keyId, next.publicKey.toString('hex')]);
  const current = await loadOrCreateSigner(file);
  if (current.keyId !== next.keyId) await rename(nextSignerFile(file), file);
  await publishTreeHead(db, next);
}
