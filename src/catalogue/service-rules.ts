import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isIsoPeriod } from '../kernel/index.js';
import { workingDays } from './sla-clock.js';

/**
 * The parts of a service file that drive case handling rather than the citizen's pages: SLAs, DMN decisions,
 * the fee as something to pay, and the upload rules of documents. Kept apart from catalogue.ts so the page and
 * process parts of the file can change independently.
 */

/** An SLA period (whole years, months, weeks, days, hours, minutes, seconds): the kernel's one ISO 8601 module. */
export const isIsoDuration = isIsoPeriod;


export interface ServiceSla {
  /** The whole case, e.g. P60D. */
  readonly case: string;
  /** Per user task (element id → duration). */
  readonly tasks: Readonly<Record<string, string>>;
  /** The clock stops while the case waits for the applicant (information requested, fee unpaid). */
  readonly pauseWhileWaitingForApplicant: boolean;
  /** Calendar time (the default) or working days of `jurisdiction` (weekends and public holidays off): sla-clock.ts. */
  readonly counting?: 'calendar' | 'working-days';
  /** The holiday calendar of working days, a date-holidays code such as FI or GB-ENG. */
  readonly jurisdiction?: string;
}

export interface ServiceDecisionFile {
  /** Absolute path of the DMN file. */
  readonly file: string;
  readonly xml: string;
  /** The ids of the decisions the file defines. */
  readonly decisionIds: readonly string[];
}

/** The fee as something to pay: computed by a DMN decision (the result variable holds the amount), or fixed. */
export type ServicePayment =
  | { readonly kind: 'decision'; readonly decision: string; readonly variable: string; readonly currency: string; readonly waitingAt: string; readonly message: string }
  | { readonly kind: 'fixed'; readonly amount: number; readonly currency: string; readonly waitingAt: string; readonly message: string };

export const UPLOAD_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

export interface UploadRule {
  readonly label: string;
  readonly types: readonly UploadType[];
  readonly maxBytes: number;
  readonly required: boolean;
}

/** Hard ceiling for any one upload: a service may ask for less, never more (the DB stores the bytes). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

type Fail = (field: string, message: string) => void;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const ids = (xml: string, element: string): string[] => [...xml.matchAll(new RegExp(`<(?:\\w+:)?${element}\\b[^>]*\\bid="([^"]+)"`, 'g'))].map((m) => m[1]!);

export function parseSla(raw: unknown, bpmn: string | null, fail: Fail): ServiceSla | null {
  if (raw === undefined) return null;
  if (!isRecord(raw)) {
    fail('sla', 'must be { case: "P60D", tasks?: { elementId: "P10D" }, pauseWhileWaitingForApplicant?: boolean }');
    return null;
  }
  let ok = true;
  if (!isIsoDuration(raw['case'])) {
    fail('sla.case', 'must be an ISO 8601 duration such as P60D');
    ok = false;
  }
  const tasks: Record<string, string> = {};
  if (raw['tasks'] !== undefined) {
    if (!isRecord(raw['tasks'])) {
      fail('sla.tasks', 'must be an object { elementId: duration }');
      ok = false;
    } else {
      const userTasks = bpmn ? new Set(ids(bpmn, 'userTask')) : null;
      for (const [elementId, duration] of Object.entries(raw['tasks'])) {
        if (!isIsoDuration(duration)) {
          fail(`sla.tasks.${elementId}`, 'must be an ISO 8601 duration such as P10D');
          ok = false;
        } else if (userTasks && !userTasks.has(elementId)) {
          fail(`sla.tasks.${elementId}`, 'names no user task of the BPMN file');
          ok = false;
        } else tasks[elementId] = duration;
      }
    }
  }
  const pause = raw['pauseWhileWaitingForApplicant'];
  if (pause !== undefined && typeof pause !== 'boolean') {
    fail('sla.pauseWhileWaitingForApplicant', 'must be true or false');
    ok = false;
  }
  const counting = raw['counting'];
  if (counting !== undefined && counting !== 'calendar' && counting !== 'working-days') {
    fail('sla.counting', 'must be "calendar" or "working-days"');
    ok = false;
  }
  const jurisdiction = raw['jurisdiction'];
  if (jurisdiction !== undefined) {
    try {
      if (typeof jurisdiction !== 'string') throw new Error('not text');
      workingDays(jurisdiction);
    } catch {
      fail('sla.jurisdiction', 'must be a country (or country-region) code with a holiday calendar, e.g. FI or GB-ENG');
      ok = false;
    }
  }
  return ok ? {
    case: String(raw['case']), tasks, pauseWhileWaitingForApplicant: pause === true,
    ...(counting === 'working-days' ? { counting } : {}), ...(typeof jurisdiction === 'string' ? { jurisdiction } : {}),
  } : null;
}

/** Reads the DMN files of a service; every decision a business rule task of the BPMN calls must be among them. */
export async function readDecisions(raw: unknown, directory: string, bpmn: string | null, fail: Fail): Promise<ServiceDecisionFile[]> {
  const files: ServiceDecisionFile[] = [];
  if (raw !== undefined && (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string' || !x.toLowerCase().endsWith('.dmn')))) {
    fail('decisions', 'must be a list of .dmn file paths relative to the service folder');
    return files;
  }
  for (const [index, relative] of ((raw as string[] | undefined) ?? []).entries()) {
    const file = path.resolve(directory, relative);
    let xml: string;
    try {
      xml = await readFile(file, 'utf8');
    } catch {
      fail(`decisions[${index}]`, `names a file that cannot be read (${relative})`);
      continue;
    }
    const decisionIds = ids(xml, 'decision');
    if (decisionIds.length === 0) fail(`decisions[${index}]`, `${relative} defines no decision`);
    files.push({ file, xml, decisionIds });
  }
  if (bpmn) {
    const known = new Set(files.flatMap((f) => f.decisionIds));
    for (const m of bpmn.matchAll(/calledDecision\b[^>]*\bdecisionId="([^"]+)"/g)) {
      if (!known.has(m[1]!)) fail('decisions', `has no DMN file defining decision '${m[1]}', which the BPMN file calls`);
    }
  }
  return files;
}

export function parsePayment(raw: unknown, decisions: readonly ServiceDecisionFile[], bpmn: string | null, fail: Fail): ServicePayment | null {
  if (raw === undefined) return null;
  const shape = 'must be { decision, variable, currency, waitingAt, message } or { amount, currency, waitingAt, message }';
  if (!isRecord(raw)) {
    fail('payment', shape);
    return null;
  }
  let ok = true;
  const currency = raw['currency'];
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    fail('payment.currency', 'must be an ISO 4217 code such as EUR');
    ok = false;
  }
  const waitingAt = raw['waitingAt'];
  if (typeof waitingAt !== 'string' || (bpmn !== null && !ids(bpmn, 'intermediateCatchEvent').includes(waitingAt))) {
    fail('payment.waitingAt', 'must name the message catch event at which the case waits for the payment');
    ok = false;
  }
  const message = raw['message'];
  if (typeof message !== 'string' || message.trim() === '') {
    fail('payment.message', 'must be the name of the BPMN message sent when the fee is paid');
    ok = false;
  }
  if (raw['decision'] !== undefined) {
    const decision = raw['decision'];
    const variable = raw['variable'] ?? 'fee';
    if (typeof decision !== 'string' || !decisions.some((d) => d.decisionIds.includes(decision))) {
      fail('payment.decision', 'must name a decision of one of the service\'s DMN files');
      ok = false;
    }
    if (typeof variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      fail('payment.variable', 'must be a variable name');
      ok = false;
    }
    return ok ? { kind: 'decision', decision: String(decision), variable: String(variable), currency: String(currency), waitingAt: String(waitingAt), message: String(message) } : null;
  }
  const amount = raw['amount'];
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || Math.round(amount * 100) !== amount * 100) {
    fail('payment.amount', 'must be a positive amount with at most 2 decimals (or give a decision instead)');
    ok = false;
  }
  return ok ? { kind: 'fixed', amount: Number(amount), currency: String(currency), waitingAt: String(waitingAt), message: String(message) } : null;
}

const TYPE_NAMES: Record<string, UploadType> = { pdf: 'application/pdf', png: 'image/png', jpeg: 'image/jpeg' };

/** `documents`: `{ "<page id or information-request>": { "<key>": { label, types: ["pdf","png","jpeg"], maxBytes?, required? } } }`. */
export function parseDocuments(raw: unknown, pageIds: readonly string[], fail: Fail): Record<string, Record<string, UploadRule>> {
  const out: Record<string, Record<string, UploadRule>> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    fail('documents', 'must be { pageId: { key: { label, types, maxBytes?, required? } } }');
    return out;
  }
  for (const [pageId, components] of Object.entries(raw)) {
    if (!pageIds.includes(pageId) && pageId !== 'information-request') {
      fail(`documents.${pageId}`, `names no page (one of ${[...pageIds, 'information-request'].join(', ')})`);
      continue;
    }
    if (!isRecord(components)) {
      fail(`documents.${pageId}`, 'must be an object { key: rule }');
      continue;
    }
    const rules: Record<string, UploadRule> = {};
    for (const [key, rule] of Object.entries(components)) {
      const at = `documents.${pageId}.${key}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(at, 'key must be a variable name');
      if (!isRecord(rule)) {
        fail(at, 'must be { label, types, maxBytes?, required? }');
        continue;
      }
      const label = typeof rule['label'] === 'string' && rule['label'].trim() !== '' ? rule['label'] : (fail(`${at}.label`, 'must be a non-empty string'), '');
      const typesRaw = rule['types'];
      const types = Array.isArray(typesRaw) && typesRaw.length > 0 && typesRaw.every((t) => typeof t === 'string' && t in TYPE_NAMES)
        ? typesRaw.map((t) => TYPE_NAMES[t as string]!)
        : (fail(`${at}.types`, 'must be a non-empty list of pdf, png, jpeg'), []);
      const maxBytes = rule['maxBytes'] ?? MAX_UPLOAD_BYTES;
      if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_UPLOAD_BYTES) fail(`${at}.maxBytes`, `must be a whole number of bytes from 1 to ${MAX_UPLOAD_BYTES}`);
      const required = rule['required'] ?? false;
      if (typeof required !== 'boolean') fail(`${at}.required`, 'must be true or false');
      rules[key] = { label, types, maxBytes: Number(maxBytes), required: required === true };
    }
    out[pageId] = rules;
  }
  return out;
}
