/**
 * Personal-data protection: the access log of who read whose data and why ("Who has seen my data", the Data
 * Tracker's findUsage), national identifiers encrypted at rest with rotating data keys, and a person's data export.
 * See docs/privacy.md.
 */
import type { Database, Queryable } from '../store/index.js';
import { listAccess, recordAccess, recordInstanceAccess, type AccessRecord } from './access-log.js';
import { exportPersonData } from './export.js';
import { subjectOfInstance } from './subject.js';
import type { PersonalDataHolder } from './holders.js';
import { createVault } from './vault.js';

export { DEFAULT_USAGE_LIMIT, MAX_USAGE_LIMIT, listAccess, recordAccess, recordInstanceAccess } from './access-log.js';
export type { AccessEntry, AccessRecord } from './access-log.js';
export { subjectOfInstance } from './subject.js';
export type { PersonalDataHolder } from './holders.js';
export { createVault } from './vault.js';
export { retireUnusedDataKeys, rewrapVaultMasterKey } from './key-rotation.js';
export type { IdentifierReader, Vault } from './vault.js';
export { isRecordRef, RECORD_REF_PREFIX } from './records.js';
export type { RecordReader, Records, RecordToSeal, SealedRecord, SealingStatement } from './records.js';
export { describeAction, describePurpose } from './wording.js';
export { ERASED_MARKER, loadRetentionRules, runRetention, startRetentionLoop } from './retention.js';
export type { RetentionOptions, RetentionResult, RetentionRule } from './retention.js';

/** The privacy module for one deployment: bind the database and the master key once, hand it to the modules that read personal data. */
export function createPrivacy(options: { db: Database; masterKey: string | Buffer; holders?: readonly PersonalDataHolder[] }) {
  const { db } = options;
  /** The modules above privacy that keep personal data about cases (the portal), wired by the composition root. */
  const holders = options.holders ?? [];
  const vault = createVault(options);
  return {
    db,
    vault,
    /** Records a read of personal data in `tx` (or in its own transaction when given the database). */
    recordAccess: (tx: Queryable, entry: AccessRecord): Promise<number> => (tx === db ? db.transaction((t) => recordAccess(t, entry)) : recordAccess(tx, entry)),
    listAccess: (subject: string, page?: { offset?: number; limit?: number }) => listAccess(db, subject, page),
    holders,
    subjectOfInstance: (instanceId: number) => subjectOfInstance(db, holders, instanceId),
    /** Records a read of the data of the person behind an instance in one statement; null when it has no person. */
    recordInstanceAccess: (instanceId: number, entry: Omit<AccessRecord, 'subject'>) => recordInstanceAccess(db, holders, instanceId, entry),
    exportPersonData: (personId: string) => db.transaction((tx) => exportPersonData(tx, vault, holders, personId)),
  };
}

export type Privacy = ReturnType<typeof createPrivacy>;
