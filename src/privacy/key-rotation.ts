import { rewrapSealedColumn, type Database, type RewrapOptions } from '../store/index.js';
import { blindIndexKey, blindIndexWith, createVault } from './vault.js';

/**
 * The vault's part of `govflow keys rotate master`: its data keys are re-sealed under the new master key (the
 * identifiers themselves stay encrypted under their data keys, untouched), then every blind index is recomputed,
 * since its key derives from the master key. Both steps are idempotent, so a rerun after a crash finishes the job.
 */
export async function rewrapVaultMasterKey(db: Database, keys: { from: string | Buffer; to: string | Buffer }, options: RewrapOptions): Promise<number> {
  const moved = await rewrapSealedColumn(db, { table: 'privacy_data_key', keyColumn: 'key_id', column: 'wrapped', context: (keyId) => `privacy-data-key:${keyId}` }, keys, options);
  // Every data key now opens under the new master key, so a vault over it reads every identifier.
  const vault = createVault({ db, masterKey: keys.to });
  const indexKey = blindIndexKey(keys.to);
  let after = '';
  for (;;) {
    const people = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ person_id: string }>('select distinct person_id from privacy_identifier where person_id > $1 order by person_id limit $2', [after, options.batchSize]);
      for (const { person_id: personId } of rows) {
        for (const [kind, value] of Object.entries(await vault.identifiersOf(tx, personId))) {
          await tx.query('update privacy_identifier set blind_index = $3 where person_id = $1 and kind = $2', [personId, kind, blindIndexWith(indexKey, kind, value)]);
        }
      }
      return rows.map((r) => r.person_id);
    });
    if (people.length === 0) break;
    await options.afterBatch?.();
    if (people.length < options.batchSize) break;
    after = people.at(-1)!;
  }
  return moved;
}

/**
 * The end of `govflow keys rotate vault`: once no identifier or personal record is encrypted under an old data key, the old keys are
 * deleted, so a copy of an old wrapped key (a backup, a leak) no longer opens anything current. Returns how many.
 */
export async function retireUnusedDataKeys(db: Database): Promise<number> {
  const { rowCount } = await db.query('delete from privacy_data_key k where not k.current and not exists (select 1 from privacy_identifier i where i.key_id = k.key_id) and not exists (select 1 from privacy_record r where r.key_id = k.key_id)');
  return rowCount;
}
