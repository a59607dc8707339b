/**
 * The access-log check GENERATED from the route table (issue 13, acceptance 4): every registered route is called,
 * as every given caller, with the ids of a case about a known person. A route whose answer carries that person's
 * data must declare it (`personalData` in the API route table, or the page's Fastify `config`) and must have written
 * an access-log entry for the person during the call; a route declared as logging must be exercised by the probe.
 * Used by test/privacy/access-log-coverage.test.ts on the composed server and on a server with a planted route.
 */
import type { RegisteredRoute } from '../../src/api/index.js';
import type { Queryable } from '../../src/store/index.js';

export interface ProbeCase {
  /** The person the case is about (its start record's `applicant`) and strings of theirs that no page shows otherwise. */
  readonly subject: string;
  readonly markers: readonly string[];
  /** Values for path parameters, by name, and per URL pattern when a name means different things (`:id`). */
  readonly params: (url: string, name: string) => string | undefined;
  /** Bodies for the state-changing routes that hand data over (`POST /api/jobs/activate`), by `METHOD url`. */
  readonly bodies?: Readonly<Record<string, unknown>>;
}

export interface Caller {
  readonly name: string;
  readonly headers: Record<string, string>;
  /** A state-changing call made with a session sends its CSRF token: read it fresh before each such call. */
  readonly csrf?: () => Promise<string>;
}

const methodsOf = (r: RegisteredRoute): string[] => [r.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS');

async function countFor(db: Queryable, subject: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from personal_data_access where subject = $1', [subject]);
  return rows[0]!.n;
}

/** The violations, one line each; empty when every route that shows the person's data declares and logs it. */
export async function accessLogViolations(base: string, db: Queryable, routes: readonly RegisteredRoute[], probe: ProbeCase, callers: readonly Caller[]): Promise<{ violations: string[]; exercised: string[] }> {
  const violations: string[] = [];
  const exercised: string[] = [];
  for (const route of routes) {
    for (const method of methodsOf(route)) {
      const key = `${method} ${route.url}`;
      const body = probe.bodies?.[key];
      if (method !== 'GET' && body === undefined) {
        if (route.personalData && 'logged' in route.personalData) violations.push(`${key}: declared, but the probe has no body for it (add one to the probe's bodies)`);
        continue;
      }
      let missing = false;
      const url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
        const value = probe.params(route.url, name);
        if (value === undefined) missing = true;
        return value ?? '';
      });
      if (missing || url.includes('*')) {
        if (route.personalData && 'logged' in route.personalData) violations.push(`${key}: declared, but the probe cannot fill its parameters`);
        continue;
      }
      let shown = false;
      for (const caller of callers) {
        const before = await countFor(db, probe.subject);
        const headers: Record<string, string> = { ...caller.headers };
        if (method !== 'GET') {
          headers['content-type'] = 'application/json';
          if (caller.csrf) headers['x-csrf-token'] = await caller.csrf();
        }
        const response = await fetch(`${base}${url}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        const text = await response.text();
        if (response.status >= 300) continue;
        // The person's data shows in a text answer (JSON, HTML); a declared route's binary answer (a PDF, a JWS)
        // holds it encoded, so every such answer counts. An answer without them (an empty list) read nothing.
        const declared = route.personalData !== undefined && 'logged' in route.personalData;
        const opaque = !/json|html|text|xml/.test(response.headers.get('content-type') ?? '');
        if (!probe.markers.some((m) => text.includes(m)) && !(declared && opaque)) continue;
        shown = true;
        const logged = (await countFor(db, probe.subject)) > before;
        if (!declared) violations.push(`${key} as ${caller.name}: returns the person's data but does not declare personalData`);
        if (!logged) violations.push(`${key} as ${caller.name}: returns the person's data but wrote no access-log entry for them`);
      }
      if (shown) exercised.push(key);
      else if (route.personalData && 'logged' in route.personalData) violations.push(`${key}: declared, but no caller got the person's data from it (the probe does not exercise it)`);
    }
  }
  return { violations, exercised };
}
