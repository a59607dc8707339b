import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/index.js';
import { addDuration, createLogger, parseIsoDuration, type Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { DEFAULT_CATEGORIES, type ProblemCategory } from './categories.js';
import { mergeReport, type Merger } from './report-merge.js';
import * as store from './report-store.js';
import { createTriage, type Triage } from './triage.js';

/** The BPMN process every problem report starts (examples/problem-report.bpmn, services/problem-report). */
export const PROBLEM_REPORT_PROCESS = 'problem-report';

/** Who may post to Open311 with a key: the client id, or null for an unknown, revoked or unscoped key. */
export type Open311KeyCheck = (apiKey: string) => Promise<{ readonly clientId: string } | null>;

export interface EngagementOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly categories?: readonly ProblemCategory[];
  /** The jurisdiction ids this endpoint serves (Open311 `jurisdiction_id`); the first is the citizen page's. */
  readonly jurisdictions?: readonly string[];
  /** The problem-report service's case SLA (ISO 8601 duration, from the catalogue): Open311 `expected_datetime`. */
  readonly caseSla?: string | null;
  /** Base of absolute links (media_url of uploaded photos, discovery's endpoint url). */
  readonly publicUrl: string;
  readonly logger?: Logger;
}

export type NewReportInput = Omit<store.NewReport, 'jurisdictionId'> & { readonly jurisdictionId?: string };

/**
 * Citizen engagement's own model: problem reports (whichever edge they came through), each the start of a
 * problem-report case whose tasks are the report's status. Open311 and the citizen page are adapters over this.
 */
export interface Engagement {
  readonly categories: readonly ProblemCategory[];
  readonly jurisdictions: readonly string[];
  readonly publicUrl: string;
  readonly db: Database;
  /** Guesses a text's category and learns from staff corrections (triage.ts). */
  readonly triage: Triage;
  /** Stores the report and starts its case; returns the report's id (the Open311 service_request_id) and token. */
  submitReport(input: NewReportInput, photo?: { mediaType: string; bytes: Buffer; sha256: string }): Promise<{ id: number; token: string }>;
  expectedAt(requestedAt: string): string | null;
  /** Staff merge a duplicate into the main report (report-merge.ts); a GovflowError says why not. */
  mergeReport(q: { duplicateId: number; mainId: number; by: Merger }): Promise<void>;
  /** Starts the cases of reports whose start failed (a crash between insert and start); returns how many. */
  startPending(limit?: number): Promise<number>;
}

export function createEngagement(options: EngagementOptions): Engagement {
  const { db, engine } = options;
  const categories = options.categories ?? DEFAULT_CATEGORIES;
  const jurisdictions = options.jurisdictions && options.jurisdictions.length > 0 ? options.jurisdictions : ['demo-municipality'];
  const log = options.logger ?? createLogger({ name: 'engagement' });
  const sla = options.caseSla ? parseIsoDuration(options.caseSla) : undefined;

  /** `report`: what the case needs from the report, when the caller has it at hand (else it is read). */
  const startCase = async (reportId: number, serviceCode: string, known?: Pick<store.ReportView, 'description' | 'address' | 'lat' | 'long' | 'attributes' | 'categoryGuessed'>): Promise<void> => {
    const category = categories.find((c) => c.code === serviceCode);
    const report = known ?? await store.getReport(db, null, reportId);
    if (!category || !report) return;
    // Only what routing and the workbench need: the reporter's contact stays in engagement's table.
    const instance = await engine.startInstance(PROBLEM_REPORT_PROCESS, {
      businessKey: `PR-${reportId}`, actor: 'engagement',
      variables: {
        reportId, serviceCode, category: category.name, department: category.department, description: report.description,
        address: report.address ?? '', lat: report.lat, long: report.long, attributes: report.attributes,
        // The classifier chose the category (the citizen did not know it): triage confirms or corrects it.
        categoryGuessed: report.categoryGuessed,
      },
    });
    await store.setReportInstance(db, reportId, instance.id);
  };

  return {
    categories, jurisdictions, publicUrl: options.publicUrl, db, triage: createTriage({ db, categories }),
    async submitReport(input, photo) {
      const token = randomBytes(12).toString('base64url');
      const report: store.NewReport = { ...input, jurisdictionId: input.jurisdictionId ?? jurisdictions[0]! };
      // The report row (and its photo) first, then the case: if the case cannot start now, the row waits for
      // startPending, so a report once acknowledged to its reporter is never lost.
      // Without a photo the insert is one statement (the row and its event), atomic without a transaction.
      const id = !photo ? await store.insertReport(db, report, token) : await db.transaction(async (tx) => {
        const reportId = await store.insertReport(tx, report, token);
        await store.insertPhoto(tx, { reportId, ...photo });
        await store.setReportMedia(tx, reportId, `${options.publicUrl}/reports/${reportId}/photo`);
        return reportId;
      });
      try {
        await startCase(id, report.serviceCode, { ...report, categoryGuessed: report.categoryGuessed ?? false });
      } catch (error) {
        log.warn({ err: (error as Error).message, reportId: id }, 'the report is stored; its case starts later');
      }
      return { id, token };
    },
    mergeReport(q) {
      return mergeReport({ db, engine, categories }, q);
    },
    expectedAt(requestedAt) {
      return sla ? addDuration(new Date(requestedAt), sla).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
    },
    async startPending(limit = 20) {
      let started = 0;
      for (const r of await store.reportsWithoutCase(db, limit)) {
        try {
          await startCase(r.id, r.serviceCode);
          started++;
        } catch (error) {
          log.warn({ err: (error as Error).message, reportId: r.id }, 'a stored report\'s case did not start');
        }
      }
      return started;
    },
  };
}
