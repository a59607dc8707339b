// Shared by the Open311 tests: a govflow server on a given backend, form posts, and reading both formats with a real
// XML parser so that XML and JSON answers can be compared after the Spark convention the specification uses.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import type { Backend } from '../../src/store/index.js';
import { createServerDatabase } from '../support/databases.js';
import { apiKeyFor } from '../support/sign-in.js';

export interface Open311Server {
  readonly govflow: Govflow;
  readonly base: string;
  /** A key with the open311 scope. */
  readonly key: string;
  stop(): Promise<void>;
}

/** `shareWith`: a server whose PostgreSQL database and master key this one uses too (a second process of one deployment). */
export async function startOpen311Server(backend: Backend, name: string, jurisdictions?: string, shareWith?: Open311Server): Promise<Open311Server> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `govflow-${name}-`));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  const before = process.env['GOVFLOW_OPEN311_JURISDICTIONS'];
  if (jurisdictions) process.env['GOVFLOW_OPEN311_JURISDICTIONS'] = jurisdictions;
  else delete process.env['GOVFLOW_OPEN311_JURISDICTIONS'];
  const databaseUrl = backend === 'postgres' ? shareWith?.govflow.config.databaseUrl ?? await createServerDatabase() : undefined;
  const shared = shareWith ? { masterKey: undefined, masterKeyFile: path.join(shareWith.govflow.config.dataDir, 'master.key') } : {};
  const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl, ...shared } });
  const running = await startServer(govflow, { rateLimits: 'off', background: false });
  if (before === undefined) delete process.env['GOVFLOW_OPEN311_JURISDICTIONS'];
  else process.env['GOVFLOW_OPEN311_JURISDICTIONS'] = before;
  // Until API keys carry scopes, an agency-system key listing `open311` among its services is the open311 scope.
  const key = await apiKeyFor(govflow.db, { roles: ['agency-system'], services: ['open311'] });
  return {
    govflow, base: `${running.url}/open311/v2`, key,
    async stop() {
      await running.stop();
      await govflow.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Answer { readonly status: number; readonly type: string; readonly text: string }

export async function get(url: string): Promise<Answer> {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

/** A form-encoded POST as Open311 clients send it; pairs so that a name may repeat (`attribute[x][]`). */
export async function postForm(url: string, pairs: readonly (readonly [string, string])[]): Promise<Answer> {
  const body = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v])).toString();
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

const ITEMS = new Set(['service', 'request', 'attribute', 'value', 'endpoint', 'format', 'error', 'request_update']);
const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, isArray: (name) => ITEMS.has(name), ignoreDeclaration: false, trimValues: true });

/**
 * An XML answer checked for what the specification requires (declaration with UTF-8, text/xml, no namespace) and
 * read into the JSON shape: a list element becomes the array of its items, every leaf a string ('' when empty).
 */
export function readXml(answer: Answer, root: string): unknown {
  assert.match(answer.type, /^text\/xml; charset=utf-8$/i);
  assert.match(answer.text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n/i, 'the XML declaration with the UTF-8 encoding comes first');
  assert.doesNotMatch(answer.text, /xmlns/, 'no namespace');
  const doc = parser.parse(answer.text) as Record<string, unknown>;
  assert.ok(root in doc, `root element <${root}> in ${answer.text.slice(0, 200)}`);
  return unwrap(doc[root]);
}

function unwrap(node: unknown): unknown {
  if (node === '' || node === undefined) return '';
  if (typeof node !== 'object' || node === null) return String(node);
  const entries = Object.entries(node as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && ITEMS.has(first[0]) && Array.isArray(first[1])) return first[1].map(unwrap);
  return Object.fromEntries(entries.map(([k, v]) => [k, unwrap(v)]));
}

/** A JSON answer (application/json) with its leaves as XML would carry them, for comparing the two formats. */
export function readJson(answer: Answer): unknown {
  assert.match(answer.type, /^application\/json; charset=utf-8$/i);
  return JSON.parse(answer.text) as unknown;
}

export function asXmlLeaves(value: unknown): unknown {
  if (value === null) return '';
  if (Array.isArray(value)) return value.length === 0 ? '' : value.map(asXmlLeaves);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, asXmlLeaves(v)]));
  return String(value);
}

/** GETs a resource in both formats and checks they carry the same document; returns the JSON one. */
export async function both(base: string, resource: string, query: string, root: string): Promise<unknown> {
  const xml = await get(`${base}/${resource}.xml${query}`);
  const json = await get(`${base}/${resource}.json${query}`);
  assert.equal(xml.status, json.status, `${resource}: same status in both formats`);
  const fromJson = readJson(json);
  assert.deepEqual(readXml(xml, root), asXmlLeaves(fromJson), `${resource}${query}: the XML and JSON documents agree`);
  return fromJson;
}

export const isW3c = (s: unknown): boolean => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/.test(s);
