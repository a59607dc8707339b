/**
 * Formal complaints (issue 18): a citizen's complaint about one of their cases or about a service starts a complaint
 * case (examples/complaint.bpmn) worked by the department concerned within the statutory deadline, with an
 * escalation to its managers before the deadline. The complainant's contact goes into the vault; engagement keeps
 * only the reference. Satisfaction feedback on decisions and closed reports is recorded alongside.
 */
import type { Engine } from '../engine/index.js';
import { addDuration, createLogger, GovflowError, parseIsoDuration, type Logger } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import * as store from './feedback-store.js';

export const COMPLAINT_PROCESS = 'complaint';

/** What a complaint or a piece of feedback can be about, as the composition root resolves it (cases are the portal's). */
export interface EngagementSubjects {
  /** The citizen's own case with this reference: its department and whether it has been decided; null when not theirs. */
  caseOf(citizenId: string, reference: string): Promise<{ readonly department: string; readonly decided: boolean } | null>;
  /** The services a complaint can be about, with the department that answers for each. */
  services(): Promise<readonly { readonly id: string; readonly title: string; readonly department: string }[]>;
}

/** Seals the complainant's contact in the vault, in `tx`; returns the `vault:` reference stored instead. */
export type SealContact = (tx: Queryable, subject: string, value: Readonly<Record<string, string>>) => Promise<string>;

export interface NewComplaint {
  readonly subjectKind: 'case' | 'service';
  readonly subject: string;
  readonly description: string;
  readonly contact: Readonly<Record<string, string>>;
  readonly citizenId: string;
}

export interface Complaints {
  readonly subjects: EngagementSubjects;
  /** Checks the subject, stores the complaint (its contact sealed) and starts its case; returns its id. */
  make(complaint: NewComplaint): Promise<number>;
  /** The statutory deadline of a complaint made at `madeAt` (the catalogue's case SLA). */
  deadlineOf(madeAt: string): string | null;
  startPending(limit?: number): Promise<number>;
}

export function createComplaints(options: { db: Database; engine: Engine; subjects: EngagementSubjects; sealContact: SealContact; sla?: string | null; logger?: Logger }): Complaints {
  const { db, engine, subjects } = options;
  const log = options.logger ?? createLogger({ name: 'engagement' });
  const sla = options.sla ? parseIsoDuration(options.sla) : undefined;

  const startCase = async (id: number): Promise<void> => {
    const c = await store.getComplaint(db, id);
    if (!c) return;
    // The description is the complaint itself, which staff must read; the contact stays a vault reference.
    const instance = await engine.startInstance(COMPLAINT_PROCESS, {
      businessKey: `CO-${id}`, actor: 'engagement',
      variables: { complaintId: id, subjectKind: c.subjectKind, subject: c.subject, department: c.department, escalateTo: `${c.department}/manager`, description: c.description },
    });
    await store.setComplaintInstance(db, id, instance.id);
  };

  return {
    subjects,
    async make(complaint) {
      let department: string | undefined;
      if (complaint.subjectKind === 'case') department = (await subjects.caseOf(complaint.citizenId, complaint.subject))?.department;
      else department = (await subjects.services()).find((s) => s.id === complaint.subject)?.department;
      if (!department) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `there is no ${complaint.subjectKind} '${complaint.subject}' to complain about`);
      const id = await db.transaction(async (tx) => {
        const hasContact = Object.values(complaint.contact).some((v) => v !== '');
        const contact = hasContact ? await options.sealContact(tx, complaint.citizenId, complaint.contact) : null;
        return store.insertComplaint(tx, { ...complaint, department, contact });
      });
      try {
        await startCase(id);
      } catch (error) {
        log.warn({ err: (error as Error).message, complaintId: id }, 'the complaint is stored; its case starts later');
      }
      return id;
    },
    deadlineOf(madeAt) {
      return sla ? addDuration(new Date(madeAt), sla).toISOString().slice(0, 10) : null;
    },
    async startPending(limit = 20) {
      let started = 0;
      for (const c of await store.complaintsWithoutCase(db, limit)) {
        try {
          await startCase(c.id);
          started++;
        } catch (error) {
          log.warn({ err: (error as Error).message, complaintId: c.id }, 'a stored complaint\'s case did not start');
        }
      }
      return started;
    },
  };
}
