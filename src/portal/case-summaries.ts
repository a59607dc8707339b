/**
 * The citizen's own cases in a sentence each, worked out by the status page's own logic (`plainStatus`): for the
 * assistant's "where is my application" (compose passes this in; the assistant never reads the portal's tables).
 */
import type { Catalogue } from '../catalogue/index.js';
import type { Engine } from '../engine/index.js';
import { addDuration, parseIsoDuration } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { plainStatus } from './citizen-view.js';
import { PortalStore } from './portal-store.js';

export interface CaseSummary {
  readonly reference: string;
  readonly serviceTitle: string;
  readonly status: string;
  readonly nextStep: string;
  readonly expectedBy: string | null;
}

export async function citizenCaseSummaries(parts: { db: Database; engine: Engine; catalogue: Catalogue }, citizenId: string, limit = 20): Promise<CaseSummary[]> {
  const out: CaseSummary[] = [];
  for (const sub of await new PortalStore(parts.db).listSubmissions(citizenId, limit)) {
    const service = parts.catalogue.get(sub.serviceId);
    if (!service) continue;
    const instance = sub.instanceId === null ? null : await parts.engine.getInstance(sub.instanceId);
    const plain = plainStatus(service, instance);
    const sla = service.sla?.case ? parseIsoDuration(service.sla.case) : undefined;
    const open = !instance || instance.state === 'active';
    out.push({ reference: sub.reference, serviceTitle: service.title, status: plain.words, nextStep: plain.explanation, expectedBy: open && sla ? addDuration(new Date(sub.submittedAt), sla).toISOString().slice(0, 10) : null });
  }
  return out;
}
