import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GovflowError, type ErrorDetail } from '../kernel/index.js';
import { parseFormSchema, type FormSchema } from '../web/index.js';
import { parseDocuments, parsePayment, parseSla, readDecisions, type ServiceDecisionFile, type ServicePayment, type ServiceSla, type UploadRule } from './service-rules.js';
import { readLetterTemplate, type LetterTemplate } from './letter.js';
import { readTaskForms, type TaskForm } from './task-forms.js';
import { isLanguage, type Language } from '../i18n/index.js';
import { translationProblems, type ServiceTranslations } from './service-translations.js';

/** The citizen-facing statuses every engine state maps to (issue 5). */
export const CITIZEN_STATUSES = ['Received', 'In review', 'Information needed', 'Decision made', 'Closed'] as const;
export type CitizenStatus = (typeof CITIZEN_STATUSES)[number];

export interface ServicePage {
  readonly id: string;
  readonly title: string;
  readonly formFile: string;
  readonly form: FormSchema;
  /** The form's version: the first 16 hex digits of the SHA-256 of its file. Submissions record it. */
  readonly formVersion: string;
}

export interface Service {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly description: readonly string[];
  readonly whoCanApply: readonly string[];
  readonly documentsNeeded: readonly string[];
  readonly fee: string;
  readonly expectedTime: string;
  readonly department: string;
  /** Prefix of the reference numbers, e.g. `BP` for `BP-2026-000123`. */
  readonly referencePrefix: string;
  readonly process: { readonly key: string; readonly bpmnFile: string | null; readonly bpmn: string | null };
  readonly pages: readonly ServicePage[];
  /** Engine element id → the status shown while a token waits there. */
  readonly elementStatuses: Readonly<Record<string, CitizenStatus>>;
  /** Instance state (active, completed, terminated, …) → status, used when no active element is mapped. */
  readonly stateStatuses: Readonly<Record<string, CitizenStatus>>;
  /** How the citizen answers a request for more information, if the process asks for it. */
  readonly informationRequest: InformationRequest | null;
  /** Case and per-task SLAs (ISO 8601 durations), if the service declares them. */
  readonly sla: ServiceSla | null;
  /** The service's DMN files, deployed together with its BPMN. */
  readonly decisions: readonly ServiceDecisionFile[];
  /** The fee as something to pay online, if the citizen pays one. */
  readonly payment: ServicePayment | null;
  /** Upload rules: page id (or `information-request`) → upload key → rule. */
  readonly documents: Readonly<Record<string, Readonly<Record<string, UploadRule>>>>;
  /** User task id → the form staff complete it with (`zeebe:formDefinition formId` → a `forms/*.form` file). */
  readonly taskForms: Readonly<Record<string, TaskForm>>;
  /** The decision letter (`letter.json` in the service folder), if the service issues signed decisions with one. */
  readonly letter?: LetterTemplate | null;
  readonly directory: string;
  /** The languages the service is offered in besides English, each complete in `translations` (issue 21). */
  readonly languages?: readonly Language[];
  /** Per language: the place of an English text → its translation (see service-translations.ts). */
  readonly translations?: ServiceTranslations;
}

export interface InformationRequest {
  /** The element (a message catch event) at which the case waits for the citizen's answer. */
  readonly waitingAt: string;
  /** The BPMN message published with the answer; its correlation key is the reference. */
  readonly message: string;
  /** The process variable holding staff's question, shown to the citizen (plain text). */
  readonly questionVariable: string | null;
  readonly form: FormSchema;
  readonly formVersion: string;
}

export interface Catalogue {
  readonly services: readonly Service[];
  get(id: string): Service | undefined;
}

const ID = /^[a-z][a-z0-9-]{0,62}$/;

/** Collects problems of one service file, so a broken catalogue says every wrong field at once. */
class Checker {
  readonly problems: ErrorDetail[] = [];
  constructor(readonly file: string) {}
  fail(field: string, message: string): void {
    this.problems.push({ where: `${this.file}#${field}`, message: `${this.file}: field '${field}' ${message}` });
  }
  text(obj: Record<string, unknown>, field: string): string {
    const v = obj[field];
    if (typeof v !== 'string' || v.trim() === '') {
      this.fail(field, 'must be a non-empty string');
      return '';
    }
    return v;
  }
  list(obj: Record<string, unknown>, field: string): string[] {
    const v = obj[field];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.trim() === '')) {
      this.fail(field, 'must be a list of non-empty strings');
      return [];
    }
    return v as string[];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const checksum = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Reads one form-js file named by a service, reporting problems under `field`. */
async function readForm(c: Checker, directory: string, field: string, formPath: unknown): Promise<{ form: FormSchema; formVersion: string } | null> {
  if (typeof formPath !== 'string') {
    c.fail(field, 'must be the path of a Camunda Forms (form-js) JSON file');
    return null;
  }
  let text: string;
  try {
    text = await readFile(path.resolve(directory, formPath), 'utf8');
  } catch {
    c.fail(field, `names a file that cannot be read (${formPath})`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    c.fail(field, `${formPath} is not readable JSON`);
    return null;
  }
  const { schema, problems } = parseFormSchema(json);
  for (const problem of problems) c.fail(field, `${formPath} ${problem.where}: ${problem.message}`);
  return schema ? { form: schema, formVersion: checksum(text) } : null;
}

/** Reads and validates one `services/<id>/service.json` and the forms and BPMN it names. */
export async function loadService(file: string, displayName = file): Promise<Service> {
  const c = new Checker(displayName);
  const directory = path.dirname(file);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${displayName}: not readable JSON (${(error as Error).message})`, [{ where: displayName, message: 'not readable JSON' }]);
  }
  if (!isRecord(raw)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${displayName}: must be a JSON object`, [{ where: displayName, message: 'must be a JSON object' }]);
  const id = c.text(raw, 'id');
  if (id && !ID.test(id)) c.fail('id', 'must be lower-case letters, digits and dashes, like building-permit');
  if (id && path.basename(directory) !== id) c.fail('id', `must equal the folder name '${path.basename(directory)}'`);
  const referencePrefix = c.text(raw, 'referencePrefix');
  if (referencePrefix && !/^[A-Z]{1,5}$/.test(referencePrefix)) c.fail('referencePrefix', 'must be 1 to 5 capital letters, like BP');

  const processRaw = raw['process'];
  let processKey = '';
  let bpmnFile: string | null = null;
  let bpmn: string | null = null;
  if (!isRecord(processRaw)) c.fail('process', 'must be an object { key, bpmn? }');
  else {
    processKey = c.text(processRaw, 'key');
    if (processRaw['bpmn'] !== undefined) {
      if (typeof processRaw['bpmn'] !== 'string') c.fail('process.bpmn', 'must be a file path relative to the service folder');
      else {
        bpmnFile = path.resolve(directory, processRaw['bpmn']);
        try {
          bpmn = await readFile(bpmnFile, 'utf8');
          if (processKey && !bpmn.includes(`id="${processKey}"`)) c.fail('process.key', `names no process in ${processRaw['bpmn']}`);
        } catch {
          c.fail('process.bpmn', `names a file that cannot be read (${processRaw['bpmn']})`);
        }
      }
    }
  }

  const pages: ServicePage[] = [];
  const pagesRaw = raw['pages'];
  if (!Array.isArray(pagesRaw) || pagesRaw.length === 0) c.fail('pages', 'must be a non-empty list of { id, title, form }');
  else {
    const keys = new Set<string>();
    for (const [index, p] of pagesRaw.entries()) {
      const at = `pages[${index}]`;
      if (!isRecord(p)) {
        c.fail(at, 'must be an object { id, title, form }');
        continue;
      }
      const pageId = typeof p['id'] === 'string' && ID.test(p['id']) ? p['id'] : (c.fail(`${at}.id`, 'must be lower-case letters, digits and dashes'), '');
      if (pageId === 'check' || pageId === 'submit') c.fail(`${at}.id`, `'${pageId}' is reserved`);
      if (pages.some((x) => x.id === pageId)) c.fail(`${at}.id`, `'${pageId}' is used twice`);
      const title = typeof p['title'] === 'string' && p['title'].trim() !== '' ? p['title'] : (c.fail(`${at}.title`, 'must be a non-empty string'), '');
      const read = await readForm(c, directory, `${at}.form`, p['form']);
      if (!read) continue;
      for (const field of read.form.components) {
        if (field.type === 'text') continue;
        if (keys.has(field.key)) c.fail(`${at}.form`, `${String(p['form'])}: key '${field.key}' is also used on another page`);
        keys.add(field.key);
      }
      pages.push({ id: pageId, title, formFile: String(p['form']), ...read });
    }
  }

  let informationRequest: InformationRequest | null = null;
  const ir = raw['informationRequest'];
  if (ir !== undefined) {
    if (!isRecord(ir)) c.fail('informationRequest', 'must be { waitingAt, message, questionVariable?, form }');
    else {
      const waitingAt = c.text(ir, 'waitingAt');
      const message = c.text(ir, 'message');
      if (waitingAt && bpmn && !bpmn.includes(`id="${waitingAt}"`)) c.fail('informationRequest.waitingAt', 'names an element that is not in the BPMN file');
      const questionVariable = ir['questionVariable'];
      if (questionVariable !== undefined && (typeof questionVariable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(questionVariable))) c.fail('informationRequest.questionVariable', 'must be a variable name');
      const form = await readForm(c, directory, 'informationRequest.form', ir['form']);
      if (form && waitingAt && message) informationRequest = { waitingAt, message, questionVariable: typeof questionVariable === 'string' ? questionVariable : null, ...form };
    }
  }

  const elementStatuses: Record<string, CitizenStatus> = {};
  const stateStatuses: Record<string, CitizenStatus> = {};
  const statuses = raw['statuses'];
  const isStatus = (v: unknown): v is CitizenStatus => typeof v === 'string' && (CITIZEN_STATUSES as readonly string[]).includes(v);
  if (!isRecord(statuses) || !isRecord(statuses['elements']) || !isRecord(statuses['states'])) c.fail('statuses', 'must be { elements: { elementId: status }, states: { state: status } }');
  else {
    for (const [group, target] of [['elements', elementStatuses], ['states', stateStatuses]] as const) {
      for (const [k, v] of Object.entries(statuses[group] as Record<string, unknown>)) {
        if (isStatus(v)) target[k] = v;
        else c.fail(`statuses.${group}.${k}`, `must be one of ${CITIZEN_STATUSES.join(', ')}`);
      }
    }
    if (bpmn) for (const elementId of Object.keys(elementStatuses)) if (!bpmn.includes(`id="${elementId}"`)) c.fail(`statuses.elements.${elementId}`, `names an element that is not in ${processRaw && isRecord(processRaw) ? String(processRaw['bpmn']) : 'the BPMN file'}`);
  }

  const fail = (field: string, message: string): void => c.fail(field, message);
  const sla = parseSla(raw['sla'], bpmn, fail);
  const decisions = await readDecisions(raw['decisions'], directory, bpmn, fail);
  const payment = parsePayment(raw['payment'], decisions, bpmn, fail);
  const documents = parseDocuments(raw['documents'], pages.map((p) => p.id), fail);
  const taskForms = await readTaskForms(directory, bpmn, fail);
  const letter = await readLetterTemplate(directory, fail);
  const { languages, translations } = readTranslations(raw, fail);

  const service = {
    id, title: c.text(raw, 'title'), summary: c.text(raw, 'summary'), description: c.list(raw, 'description'), whoCanApply: c.list(raw, 'whoCanApply'),
    documentsNeeded: c.list(raw, 'documentsNeeded'), fee: c.text(raw, 'fee'), expectedTime: c.text(raw, 'expectedTime'), department: c.text(raw, 'department'),
    referencePrefix, process: { key: processKey, bpmnFile, bpmn }, pages, elementStatuses, stateStatuses, informationRequest, sla, decisions, payment, documents, taskForms, letter, directory, languages, translations,
  };
  for (const p of translationProblems(service, languages, translations)) c.fail(p.where, p.message);
  if (c.problems.length > 0) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `service catalogue: ${c.problems.map((p) => p.message).join('; ')}`, c.problems);
  }
  return service;
}

/** `languages` (besides English) and `translations` of a service.json; their completeness is checked by the caller. */
function readTranslations(raw: Record<string, unknown>, fail: (field: string, message: string) => void): { languages: Language[]; translations: ServiceTranslations } {
  const languages: Language[] = [];
  const rawLanguages = raw['languages'] ?? [];
  if (!Array.isArray(rawLanguages)) fail('languages', 'must be a list of language codes such as ["es", "ca"]');
  else for (const l of rawLanguages) if (isLanguage(l) && l !== 'en') languages.push(l); else if (l !== 'en') fail('languages', `'${String(l)}' is not one of es, ca, et`);
  const translations: Record<string, Record<string, string>> = {};
  const rawTranslations = raw['translations'] ?? {};
  if (!isRecord(rawTranslations)) fail('translations', 'must be { "es": { "title": "…" } }');
  else {
    for (const [language, texts] of Object.entries(rawTranslations)) {
      if (!isLanguage(language) || !isRecord(texts) || !Object.values(texts).every((v) => typeof v === 'string')) fail(`translations.${language}`, 'must be a language code with { place: text }');
      else translations[language] = texts as Record<string, string>;
    }
  }
  return { languages, translations };
}

/** Loads every `<root>/<id>/service.json`; any problem stops the start with a message naming file and field. */
export async function loadCatalogue(root: string): Promise<Catalogue> {
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `service catalogue: the folder ${root} cannot be read`, [{ where: root, message: 'cannot be read' }]);
  }
  const services: Service[] = [];
  for (const name of entries) {
    const file = path.join(root, name, 'service.json');
    services.push(await loadService(file, path.relative(process.cwd(), file) || file));
  }
  const prefixes = new Map<string, string>();
  for (const s of services) {
    const other = prefixes.get(s.referencePrefix);
    if (other) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `service catalogue: services ${other} and ${s.id} use the same referencePrefix '${s.referencePrefix}'`);
    prefixes.set(s.referencePrefix, s.id);
  }
  const byId = new Map(services.map((s) => [s.id, s]));
  return { services, get: (id) => byId.get(id) };
}

/** The default catalogue folder: `services/` at the repository root. */
export const DEFAULT_CATALOGUE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'services');
