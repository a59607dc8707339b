import { instanceForExport, instancesOfApplicant } from '../engine/index.js';
import type { Queryable } from '../store/index.js';
import { listAccess } from './access-log.js';
import type { PersonalDataHolder } from './holders.js';
import type { Vault } from './vault.js';

/**
 * Everything govflow holds about a person, for their own download: the holders' sections (the portal's
 * submissions and drafts), their cases with the case timeline, the access log and their identifiers decrypted.
 * Read in one transaction so it is consistent.
 */
export async function exportPersonData(q: Queryable, vault: Vault, holders: readonly PersonalDataHolder[], personId: string): Promise<Record<string, unknown>> {
  const instanceIds = new Set<number>(await instancesOfApplicant(q, personId));
  const sections: Record<string, unknown> = {};
  for (const holder of holders) {
    Object.assign(sections, await holder.exportOf(q, personId));
    for (const id of await holder.casesOf(q, personId)) instanceIds.add(id);
  }
  const cases: Record<string, unknown>[] = [];
  for (const id of [...instanceIds].sort((a, b) => a - b)) {
    const record = await instanceForExport(q, id);
    if (record) cases.push(record);
  }
  const access = await listAccess(q, personId, { offset: 0, limit: 1000 });
  return {
    personId,
    exportedAt: new Date().toISOString(),
    identifiers: await vault.identifiersOf(q, personId),
    // Registry records about the person (their own and those fetched as someone's household member), decrypted.
    records: await vault.records.recordsOf(q, personId),
    ...sections,
    cases,
    accessLog: access.entries,
  };
}
