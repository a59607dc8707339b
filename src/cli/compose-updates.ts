import { localiseService, type LiveCatalogue } from '../catalogue/index.js';
import { currentLanguage } from '../i18n/index.js';
import { createUpdatesPlugin, type Engagement, type Topic } from '../engagement/index.js';
import { listDepartments, type Identity } from '../identity/index.js';
import type { Notifications } from '../notifications/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Database, Queryable } from '../store/index.js';
import { listProjectNames } from '../transparency/index.js';
import type { Logger } from '../kernel/index.js';

/** The vault kind of a subscriber's e-mail address (privacy_record.kind). */
const ADDRESS_KIND = 'email-address';
const SENDER = { actor: 'system:notifications', purpose: 'send the e-mail updates the person subscribed to', receiverSystem: 'govflow-notifications' } as const;

/**
 * What citizens can follow: every department of the organisation, every catalogue service (its department the
 * one whose name or id matches the service's `department`; none, and only administrators publish, when nothing does),
 * and every public project (transparency's project timelines), published by its department.
 */
async function topicsOf(db: Database, catalogue: LiveCatalogue): Promise<Topic[]> {
  const departments = await listDepartments(db);
  const departmentOf = (name: string): string | null =>
    departments.find((d) => d.name.toLowerCase() === name.trim().toLowerCase() || d.id === name.trim().toLowerCase())?.id ?? null;
  return [
    // A service's title in the reader's language (English outside a request: e-mails and letters name it so).
    ...catalogue.services.map((s): Topic => ({ kind: 'service', id: s.id, name: localiseService(s, currentLanguage()).title, department: departmentOf(s.department) })),
    ...departments.map((d): Topic => ({ kind: 'department', id: d.id, name: d.name, department: d.id })),
    ...(await listProjectNames(db)).map((p): Topic => ({ kind: 'project', id: p.slug, name: p.title, department: departmentOf(p.department) })),
  ];
}

/**
 * Updates to citizens (issue 18): news per service and department, feeds, and e-mail subscriptions through the
 * outbox, the subscriber's address sealed in the privacy vault and opened only by the sender.
 */
export function setUpUpdates(parts: { db: Database; engagement: Engagement; catalogue: LiveCatalogue; identity: Identity; privacy: Privacy; agencyName: string; logger: Logger; notifications: () => Notifications | undefined }) {
  const { db, privacy } = parts;
  return createUpdatesPlugin({
    db, engagement: parts.engagement, agencyName: parts.agencyName, logger: parts.logger,
    topics: () => topicsOf(db, parts.catalogue),
    ensureSession: async (request, reply) => (await parts.identity.pageSession(request, reply, { create: true })).csrfToken,
    vault: {
      seal: (tx, subject, address) => privacy.vault.records.seal(tx, { subject, kind: ADDRESS_KIND, value: address }),
      erase: async (tx, subject) => { await privacy.vault.records.eraseOf(tx, subject); },
    },
    mail: () => {
      const notifications = parts.notifications();
      return notifications && {
        enqueue: (tx, message) => notifications.enqueue(tx, message),
        kick: () => { void notifications.sendDue().catch(() => 0); },
      };
    },
  });
}

/** The sender's way into the vault: the address, or null once erased (the subscriber left). */
export function openSealedRecipient(privacy: Privacy): (tx: Queryable, ref: string) => Promise<string | null> {
  return async (tx, ref) => {
    const value = await privacy.vault.records.revealIn(tx, ref, SENDER);
    return typeof value === 'string' && value !== ref ? value : null;
  };
}
