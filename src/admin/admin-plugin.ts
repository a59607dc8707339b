import { readFile } from 'node:fs/promises';
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getFormVersion, insertFormVersion, insertServiceVersion, listFormVersions, listServiceVersions, parseFormVersion, parseServiceFields, slaTaskField,
  type FormVersionRow, type LiveCatalogue, type Service, type ServiceFieldError,
} from '../catalogue/index.js';
import { compileBpmn, deployedSource, listDeployedDefinitions, MAX_BPMN_BYTES, type DeployedDefinition, type Engine } from '../engine/index.js';
import {
  actorOf, createDepartment, createStaff, getStaff, hasRole, listAgencies, listDepartments, listStaff, parseMembership, resetStaffCredentials, setStaffDisabled, STAFF_ROLES,
  type Identity, type StaffPrincipal,
} from '../identity/index.js';
import { createLogger, GovflowError, isGovflowError, toGovflowError, type Logger } from '../kernel/index.js';
import { appendEvent, type Database } from '../store/index.js';
import { fields as formFields, html, page, renderErrorSummary, useHtmlPageEdge, type FieldError, type HtmlValue, type NavigationItem, type SafeHtml } from '../web/index.js';
import { readAdminAsset } from './admin-assets.js';
import { withDiagram } from './auto-layout.js';

export interface AdminOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly catalogue: LiveCatalogue;
  readonly identity: Pick<Identity, 'pageSession' | 'checkCsrf' | 'setMembership'>;
  /** Seals new staff members' TOTP secrets (`resolveMasterKey(config)`). */
  readonly masterKey: string | Buffer;
  readonly logger?: Logger;
}

const NAVIGATION: readonly NavigationItem[] = [
  { href: '/admin', label: 'Overview', key: 'overview' },
  { href: '/admin/processes', label: 'Processes and decisions', key: 'processes' },
  { href: '/admin/services', label: 'Services', key: 'services' },
  { href: '/admin/organisation', label: 'Organisation', key: 'organisation' },
];

/**
 * The modeller and form editor pages run bpmn-js / form-js, which need more than the site-wide policy (no script
 * at all). Measured in Chromium (test/admin/admin-browser.test.ts fails on any CSP violation): script from 'self'
 * only (the bundles and our boot files, never inline, no eval); `data:` images, which bpmn-js.css uses for the
 * breadcrumb separator of a drilled-down sub-process and form-js for icons of its palette. Styles stay 'self': both
 * libraries set styles through the CSSOM, which CSP does not restrict. Everything else as in SECURITY_HEADERS.
 */
export const EDITOR_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Form bodies are small, except the modeller's and form editor's, which carry a whole BPMN / form document. */
const FORM_BODY_LIMIT = 3 * MAX_BPMN_BYTES;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/;
const SERVICE_ID = /^[a-z][a-z0-9-]{0,62}$/;

class AdminHttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly body: string) {
    super(title);
  }
}

interface AdminSession {
  readonly principal: StaffPrincipal;
  readonly csrfToken: string;
}

type Body = Record<string, string | string[]>;
const str = (body: Body, name: string): string => (typeof body[name] === 'string' ? (body[name] as string) : '');

// One formatter per process: Date#toLocaleString builds a new Intl.DateTimeFormat on every call.
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const formatDate = (value: string | Date): string => DATE_TIME.format(new Date(value)) + ' UTC';

/** The problems of a refused deployment, one line each, naming the file, element and line where the engine did. */
export function deploymentProblems(error: GovflowError, fallbackWhere: string): string[] {
  if (error.details.length === 0) return [error.message];
  return error.details.map((d) => {
    const where = [d.where ?? fallbackWhere, d.line !== undefined ? `line ${d.line}` : null].filter((x) => x !== null).join(', ');
    return `${where}: ${d.message}`;
  });
}

const fieldError = (errors: readonly { field: string; message: string }[], name: string): SafeHtml | '' => {
  const e = errors.find((x) => x.field === name);
  return e ? html`<p id="${name}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${e.message}</p>` : '';
};
const groupClass = (errors: readonly { field: string }[], name: string): string => `govuk-form-group${errors.some((x) => x.field === name) ? ' govuk-form-group--error' : ''}`;
const describedBy = (errors: readonly { field: string }[], name: string, hint?: string): SafeHtml | '' => {
  const ids = [hint, errors.some((x) => x.field === name) ? `${name}-error` : undefined].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
};
const summary = (errors: readonly { field: string; message: string }[]): SafeHtml => renderErrorSummary(errors.map((e): FieldError => ({ key: e.field, anchor: e.field, message: e.message })));

/**
 * The administration pages (`/admin/…`, role admin only): deploy and version processes and decisions (upload, or
 * draw in the bpmn-js modeller), edit the catalogue's plain-language fields and question-page forms (form-js
 * editor) as stored versions, and manage departments, staff accounts and their memberships.
 */
export function createAdminPlugin(options: AdminOptions): (server: FastifyInstance) => Promise<void> {
  const { engine, db, catalogue, identity } = options;
  const log = options.logger ?? createLogger({ name: 'admin' });
  const sessions = new WeakMap<FastifyRequest, AdminSession>();
  const editorPages = new WeakSet<FastifyReply>();

  return async (server: FastifyInstance) => {
    useHtmlPageEdge(server, { formBodyLimit: FORM_BODY_LIMIT, cspFor: (reply) => (editorPages.has(reply) ? EDITOR_CSP : undefined) });
    // Who may use the admin pages is decided before the body is read: a visitor or non-admin never gets to send a
    // large form or a multipart upload.
    server.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/admin')) return;
      // A body declared larger than any admin form or upload may be is refused as such, for everyone: 413 says what
      // is wrong without reading a byte of it (and without telling a visitor anything about their rights).
      if (Number(request.headers['content-length'] ?? 0) > FORM_BODY_LIMIT) {
        throw new AdminHttpError(413, 'There is a problem with your request', 'What you sent is too large. Go back and try again.');
      }
      // No session is created here (a read never writes): the sign-in page it redirects to makes one.
      const s = await identity.pageSession(request, reply);
      if (s.principal?.kind === 'staff' && hasRole(s.principal, ['admin'])) {
        sessions.set(request, { principal: s.principal, csrfToken: s.csrfToken });
        return;
      }
      if (s.principal) throw new AdminHttpError(403, 'You cannot use the administration pages', 'These pages are for the administrators of the platform.');
      await reply.redirect(`/staff/sign-in?next=${encodeURIComponent(request.method === 'GET' ? request.url.split('?')[0] ?? '/admin' : '/admin')}`, 303);
    });
    server.setErrorHandler(async (error, request, reply) => {
      const admin = sessions.get(request) ?? null;
      if (error instanceof AdminHttpError) return send(reply, admin, error.title, html`<h1 class="govuk-heading-l">${error.title}</h1><p class="govuk-body">${error.body}</p>`, { status: error.status });
      const fastifyStatus = (error as { statusCode?: number }).statusCode;
      if (!isGovflowError(error) && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
        return send(reply, admin, 'There is a problem with your request', html`<h1 class="govuk-heading-l">There is a problem with your request</h1><p class="govuk-body">${fastifyStatus === 413 ? 'What you sent is too large.' : 'We could not read what you sent.'} Go back and try again.</p>`, { status: fastifyStatus });
      }
      const coded = isGovflowError(error) ? error : toGovflowError(error);
      if (coded.kind === 'user') return send(reply, admin, 'There is a problem', html`<h1 class="govuk-heading-l">There is a problem</h1><p class="govuk-body">${coded.message}</p><p class="govuk-body"><a class="govuk-link" href="/admin">Back to the overview</a></p>`, { status: coded.status });
      log.error({ err: error, reference: request.id, url: request.url }, 'admin request failed');
      return send(reply, admin, 'Sorry, there is a problem with the service', html`<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1><p class="govuk-body">Try again later. Reference: ${request.id}</p>`, { status: 500 });
    });

    function send(reply: FastifyReply, admin: AdminSession | null, title: string, content: HtmlValue, extra: { status?: number; hasErrors?: boolean; current?: string; editor?: { scripts: string[]; stylesheets: string[] }; backLink?: string } = {}): FastifyReply {
      if (extra.editor) editorPages.add(reply);
      return reply.status(extra.status ?? 200).type('text/html; charset=utf-8').send(page({
        title, content, navigation: NAVIGATION, current: extra.current ?? '', section: { name: 'Administration', href: '/admin' }, wide: true,
        citizen: admin?.principal.name ?? null, signOutAction: '/staff/sign-out', ...(admin ? { csrfToken: admin.csrfToken } : {}),
        stylesheets: [...(extra.editor?.stylesheets ?? []), '/admin/assets/admin.css'], ...(extra.editor ? { scripts: extra.editor.scripts } : {}),
        ...(extra.hasErrors ? { hasErrors: true } : {}), ...(extra.backLink ? { backLink: extra.backLink } : {}),
      }).value);
    }

    const adminOf = (request: FastifyRequest): AdminSession => {
      const s = sessions.get(request);
      if (!s) throw new AdminHttpError(403, 'You cannot use the administration pages', 'These pages are for the administrators of the platform.');
      return s;
    };

    /** The admin and the form body of a POST whose CSRF token matched. */
    async function post(request: FastifyRequest): Promise<{ admin: AdminSession; body: Body; actor: string }> {
      const admin = adminOf(request);
      const body = (request.body ?? {}) as Body;
      if (!(await identity.checkCsrf(request, body['csrf']))) throw new AdminHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
      return { admin, body, actor: actorOf(admin.principal) };
    }

    const csrfField = (admin: AdminSession): SafeHtml => html`<input type="hidden" name="csrf" value="${admin.csrfToken}">`;

    // ------------------------------------------------------------------ overview and assets

    server.get('/admin', async (request, reply) => {
      const admin = adminOf(request);
      return send(reply, admin, 'Administration', html`<h1 class="govuk-heading-l">Administration</h1>
<ul class="govuk-list">
<li><a class="govuk-link" href="/admin/processes">Processes and decisions</a>: deploy new versions, draw them in the modeller, see which version new cases start on.</li>
<li><a class="govuk-link" href="/admin/services">Services</a>: edit what citizens read about a service and its question pages.</li>
<li><a class="govuk-link" href="/admin/organisation">Organisation</a>: departments, staff accounts and their roles.</li>
</ul>`, { current: 'overview' });
    });

    server.get<{ Params: { '*': string } }>('/admin/assets/*', async (request, reply) => {
      const asset = await readAdminAsset(request.params['*']);
      if (!asset) throw new AdminHttpError(404, 'Page not found', 'There is no such file.');
      return reply.type(asset.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(asset.content);
    });

    // ------------------------------------------------------------------ processes and decisions

    async function processesPage(reply: FastifyReply, admin: AdminSession, problems: string[], status: number, deploymentId: number | null): Promise<FastifyReply> {
      const { processes, decisions } = await listDeployedDefinitions(db);
      let banner: SafeHtml | '' = '';
      if (deploymentId !== null) {
        const made = [...processes.filter((p) => p.deploymentId === deploymentId).map((p) => `process ${p.key} version ${p.version}`), ...decisions.filter((d) => d.deploymentId === deploymentId).map((d) => `decision ${d.key} version ${d.version}`)];
        banner = html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="deployed-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="deployed-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${made.length > 0 ? `Deployed ${made.join(', ')}` : 'Nothing new was deployed: the files are identical to the latest versions'}</p></div></div>`;
      }
      const latest = (rows: DeployedDefinition[], key: string): number => Math.max(...rows.filter((r) => r.key === key).map((r) => Number(r.version)));
      const table = (rows: DeployedDefinition[], kind: 'processes' | 'decisions', caption: string): SafeHtml => rows.length === 0 ? html`<p class="govuk-body">None deployed yet.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Key</th><th scope="col" class="govuk-table__header">Version</th><th scope="col" class="govuk-table__header">Name</th><th scope="col" class="govuk-table__header">Deployed</th><th scope="col" class="govuk-table__header">New cases</th></tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${r.key}</td><td class="govuk-table__cell"><a class="govuk-link" href="/admin/${kind}/${encodeURIComponent(r.key)}/${r.version}">Version ${r.version}<span class="govuk-visually-hidden"> of ${r.key}</span></a></td><td class="govuk-table__cell">${r.name ?? ''}</td><td class="govuk-table__cell">${formatDate(r.deployedAt)}</td><td class="govuk-table__cell">${Number(r.version) === latest(rows, r.key) ? html`<strong class="govuk-tag govuk-tag--green">${kind === 'processes' ? 'Start on this version' : 'Evaluated'}</strong>` : ''}</td></tr>`)}</tbody></table>`;
      const keys = [...new Set(processes.map((p) => p.key))];
      return send(reply, admin, 'Processes and decisions', html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'file', anchor: 'file', message }))) : ''}${banner}
<h1 class="govuk-heading-l">Processes and decisions</h1>
<p class="govuk-body">New cases start on the latest version of their process; cases already running stay on the version they started on.</p>
${keys.length > 0 ? html`<h2 class="govuk-heading-m">Draw a new version</h2><ul class="govuk-list">${keys.map((k) => html`<li><a class="govuk-link" href="/admin/modeller/${encodeURIComponent(k)}">Open ${k} in the modeller</a></li>`)}</ul>` : ''}
${table(processes, 'processes', 'Processes')}
${table(decisions, 'decisions', 'Decisions')}
<h2 class="govuk-heading-m">Deploy a file</h2>
<form method="post" action="/admin/processes" enctype="multipart/form-data" novalidate>
${csrfField(admin)}
<div class="govuk-form-group${problems.length > 0 ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="file">Upload a BPMN (.bpmn) or DMN (.dmn) file</label>
<div id="file-hint" class="govuk-hint">The engine checks the whole file before anything is deployed. Up to ${MAX_BPMN_BYTES / 1024 / 1024} MB.</div>
${problems.length > 0 ? html`<p id="file-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> The file was not deployed</p>` : ''}
<input class="govuk-file-upload${problems.length > 0 ? ' govuk-file-upload--error' : ''}" id="file" name="file" type="file" accept=".bpmn,.dmn" aria-describedby="file-hint${problems.length > 0 ? ' file-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Deploy</button>
</form>`, { current: 'processes', status, hasErrors: problems.length > 0 });
    }

    server.get<{ Querystring: { deployment?: string } }>('/admin/processes', async (request, reply) => {
      const deployment = Number(request.query.deployment);
      return processesPage(reply, adminOf(request), [], 200, Number.isSafeInteger(deployment) && deployment > 0 ? deployment : null);
    });

    /** Deploys, or says why not: a user error (the model) becomes the problems to show; anything else is thrown. */
    async function tryDeploy(resources: { name: string; content: string }[], actor: string): Promise<{ deploymentId: number } | { problems: string[]; status: number }> {
      try {
        const result = await engine.deploy(resources, { name: `admin: ${resources.map((r) => r.name).join(', ')}`, actor });
        return { deploymentId: result.deploymentId };
      } catch (error) {
        if (isGovflowError(error) && error.kind === 'user') return { problems: deploymentProblems(error, resources[0]?.name ?? 'file'), status: error.status };
        throw error;
      }
    }

    // The upload is multipart, in its own scope so the multipart parser applies to this route only.
    await server.register(async (scope) => {
      await scope.register(multipart, { limits: { fileSize: MAX_BPMN_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 6 } });
      scope.post('/admin/processes', async (request, reply) => {
        const admin = adminOf(request);
        if (!request.isMultipart()) throw new AdminHttpError(415, 'Send the form as multipart/form-data', 'Go back and choose a file to upload.');
        const fieldsIn: Record<string, string> = {};
        let file: { name: string; bytes: Buffer; truncated: boolean } | null = null;
        let tooLarge = false;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              const bytes = await part.toBuffer();
              if (part.filename !== '' || bytes.length > 0) file = { name: part.filename, bytes, truncated: part.file.truncated };
            } else if (typeof part.value === 'string') fieldsIn[part.fieldname] = part.value;
          }
        } catch (error) {
          // The multipart reader stops at the size limit; anything else is a body we could not read.
          if ((error as { statusCode?: number }).statusCode !== 413) throw error;
          tooLarge = true;
        }
        if (!(await identity.checkCsrf(request, fieldsIn['csrf']))) throw new AdminHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
        const refuse = (message: string, status: number): Promise<FastifyReply> => processesPage(reply, admin, [message], status, null);
        if (tooLarge || file?.truncated) return refuse(`The selected file must be smaller than ${MAX_BPMN_BYTES / 1024 / 1024} MB`, 413);
        if (!file) return refuse('Select a BPMN or DMN file', 400);
        if (file.bytes.length === 0) return refuse('The selected file is empty', 400);
        const name = file.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
        if (!/\.(bpmn|dmn)$/i.test(name)) return refuse('The selected file must be a .bpmn or .dmn file', 415);
        let content: string;
        try {
          content = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
        } catch {
          return refuse('The selected file must be UTF-8 text (BPMN and DMN are XML)', 415);
        }
        const outcome = await tryDeploy([{ name, content }], actorOf(admin.principal));
        if ('problems' in outcome) return processesPage(reply, admin, outcome.problems, outcome.status, null);
        return reply.redirect(`/admin/processes?deployment=${outcome.deploymentId}`, 303);
      });
    });

    const xmlOf = (kind: 'processes' | 'decisions', key: string, version: number) => deployedSource(db, kind === 'processes' ? 'process' : 'decision', key, version);

    for (const kind of ['processes', 'decisions'] as const) {
      server.get<{ Params: { key: string; version: string } }>(`/admin/${kind}/:key/:version`, async (request, reply) => {
        const admin = adminOf(request);
        const version = Number(request.params.version);
        const found = KEY.test(request.params.key) && Number.isSafeInteger(version) && version > 0 ? await xmlOf(kind, request.params.key, version) : null;
        if (!found) throw new AdminHttpError(404, 'Page not found', `There is no such ${kind === 'processes' ? 'process' : 'decision'} version.`);
        const title = `${request.params.key} version ${version}`;
        return send(reply, admin, title, html`<span class="govuk-caption-l">${kind === 'processes' ? 'Process' : 'Decision'}${found.name ? `: ${found.name}` : ''}</span>
<h1 class="govuk-heading-l">${title}</h1>
<p class="govuk-body">Deployed from ${found.resource}.${kind === 'processes' ? html` <a class="govuk-link" href="/admin/modeller/${encodeURIComponent(request.params.key)}">Open the latest version in the modeller</a>.` : ''}</p>
<h2 class="govuk-heading-m">XML</h2>
<pre class="govflow-xml" tabindex="0" aria-label="The XML of ${title}">${found.xml}</pre>`, { current: 'processes', backLink: '/admin/processes' });
      });
    }

    // ------------------------------------------------------------------ modeller

    function modellerPage(reply: FastifyReply, admin: AdminSession, key: string, latestVersion: number, xml: string, problems: string[], status = 200): FastifyReply {
      return send(reply, admin, `Modeller: ${key}`, html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'xml', anchor: 'xml', message }))) : ''}
<span class="govuk-caption-l">Process modeller</span>
<h1 class="govuk-heading-l">${key}</h1>
<p class="govuk-body">You are editing version ${latestVersion}, the one new cases start on. Saving deploys a new version after the engine checked it; cases already running stay on their version.</p>
<p class="govuk-body" id="modeller-status" role="status">Without JavaScript, edit the XML below.</p>
<div id="modeller-canvas" class="govflow-modeller" hidden></div>
<form method="post" action="/admin/modeller/${encodeURIComponent(key)}" id="modeller-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-version" value="${latestVersion}">
<div class="govuk-form-group${problems.length > 0 ? ' govuk-form-group--error' : ''}" id="xml-group">
<label class="govuk-label" for="xml">BPMN XML</label>
${problems.length > 0 ? html`<p id="xml-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> The model was not deployed</p>` : ''}
<textarea class="govuk-textarea${problems.length > 0 ? ' govuk-textarea--error' : ''}" id="xml" name="xml" rows="20" spellcheck="false"${problems.length > 0 ? html` aria-describedby="xml-error"` : ''}>${xml}</textarea>
</div>
<button type="submit" class="govuk-button govuk-!-margin-top-4" data-module="govuk-button">Save and deploy a new version</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/admin/processes">Upload a file instead</a></p>`, {
        current: 'processes', status, hasErrors: problems.length > 0,
        editor: { scripts: ['/admin/assets/bpmn-js/bpmn-modeler.js', '/admin/assets/modeller.js'], stylesheets: ['/admin/assets/bpmn-js/diagram-js.css', '/admin/assets/bpmn-js/bpmn-js.css', '/admin/assets/bpmn-js/bpmn-font/css/bpmn.css'] },
      });
    }

    async function latestProcess(key: string): Promise<{ version: number; xml: string }> {
      const found = KEY.test(key) ? await deployedSource(db, 'process', key) : null;
      if (!found) throw new AdminHttpError(404, 'Page not found', 'There is no such process. Deploy it first by uploading its file.');
      return { version: found.version, xml: found.xml };
    }

    /** The XML with a diagram for bpmn-js (see auto-layout.ts); when layout fails, the page falls back to the XML. */
    const withLayout = (xml: string): Promise<string> => withDiagram(xml).catch((error: unknown) => {
      log.warn({ err: error }, 'automatic layout failed; the modeller shows the XML');
      return xml;
    });

    server.get<{ Params: { key: string } }>('/admin/modeller/:key', async (request, reply) => {
      const admin = adminOf(request);
      const latest = await latestProcess(request.params.key);
      return modellerPage(reply, admin, request.params.key, latest.version, await withLayout(latest.xml), []);
    });

    server.post<{ Params: { key: string } }>('/admin/modeller/:key', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const key = request.params.key;
      const latest = await latestProcess(key);
      const xml = str(body, 'xml');
      // Two admins editing the same process: the later save must not silently replace the version the other one just
      // deployed. The page carries the version it was opened on; the form comes back with the admin's model kept.
      const base = str(body, 'base-version');
      if (base !== '' && base !== String(latest.version)) {
        return modellerPage(reply, admin, key, latest.version, xml, [`Someone else deployed version ${latest.version} of ${key} after you opened this page. Your model was not deployed and is shown below: check version ${latest.version}, then save again to deploy yours after it`], 409);
      }
      if (xml.trim() === '') return modellerPage(reply, admin, key, latest.version, xml, ['Enter the BPMN XML of the process'], 400);
      if (Buffer.byteLength(xml) > MAX_BPMN_BYTES) return modellerPage(reply, admin, key, latest.version, xml, [`The model must be smaller than ${MAX_BPMN_BYTES / 1024 / 1024} MB`], 413);
      const name = `${key}.bpmn`;
      // The page saves a new version of this process: a model that no longer contains it would deploy something else.
      try {
        const compiled = await compileBpmn(xml, name);
        if (!compiled.processes.some((p) => p.id === key)) return modellerPage(reply, admin, key, latest.version, xml, [`${name}: the model must keep the process with the id ${key}`], 422);
      } catch (error) {
        if (isGovflowError(error) && error.kind === 'user') return modellerPage(reply, admin, key, latest.version, xml, deploymentProblems(error, name), error.status);
        throw error;
      }
      const outcome = await tryDeploy([{ name, content: xml }], actor);
      if ('problems' in outcome) return modellerPage(reply, admin, key, latest.version, xml, outcome.problems, outcome.status);
      return reply.redirect(`/admin/processes?deployment=${outcome.deploymentId}`, 303);
    });

    // ------------------------------------------------------------------ services (catalogue)

    const serviceOr404 = (id: string): Service => {
      const service = SERVICE_ID.test(id) ? catalogue.get(id) : undefined;
      if (!service) throw new AdminHttpError(404, 'Page not found', 'There is no such service.');
      return service;
    };

    server.get('/admin/services', async (request, reply) => {
      const admin = adminOf(request);
      return send(reply, admin, 'Services', html`<h1 class="govuk-heading-l">Services</h1>
<p class="govuk-body">What citizens read about each service and the questions they answer. The files in <code>services/</code> are the starting point; every change here is kept as a new version.</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${catalogue.services.length} services</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">Department</th><th scope="col" class="govuk-table__header">Question pages</th></tr></thead>
<tbody class="govuk-table__body">${catalogue.services.map((s) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/services/${s.id}">${s.title}</a></td><td class="govuk-table__cell">${s.department}</td><td class="govuk-table__cell"><ul class="govuk-list">${s.pages.map((p) => html`<li><a class="govuk-link" href="/admin/services/${s.id}/forms/${p.id}">${p.title}<span class="govuk-visually-hidden"> (${s.title})</span></a></li>`)}</ul></td></tr>`)}</tbody></table>`, { current: 'services' });
    });

    async function servicePage(reply: FastifyReply, admin: AdminSession, service: Service, values: Record<string, string>, errors: readonly ServiceFieldError[], saved: number | null, status = 200): Promise<FastifyReply> {
      const versions = await listServiceVersions(db, service.id);
      // The version this page shows (0: the file): a save made on top of an older one is refused (see the post).
      const baseVersion = versions[0]?.version ?? 0;
      const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
      const area = (name: string, label: string, hint: string, rows = 5): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label><div id="${name}-hint" class="govuk-hint">${hint}</div>${fieldError(errors, name)}<textarea class="govuk-textarea${errors.some((e) => e.field === name) ? ' govuk-textarea--error' : ''}" id="${name}" name="${name}" rows="${rows}"${describedBy(errors, name, `${name}-hint`)}>${values[name] ?? ''}</textarea></div>`;
      return send(reply, admin, `Edit ${service.title}`, html`${summary(errors)}${saved !== null ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="saved-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="saved-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">Saved as version ${saved}. Citizens see it now.</p></div></div>` : ''}
<span class="govuk-caption-l">Service</span>
<h1 class="govuk-heading-l">Edit ${service.title}</h1>
<form method="post" action="/admin/services/${service.id}" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-version" value="${baseVersion}">
${input('title', 'Title')}
${input('summary', 'Summary', 'One sentence for the list of services.')}
${area('description', 'Description', 'Leave a blank line between paragraphs.')}
${area('whoCanApply', 'Who can apply', 'One item a line.')}
${area('documentsNeeded', 'Documents needed', 'One item a line.')}
${input('fee', 'Fee')}
${input('expectedTime', 'Expected time')}
${input('department', 'Responsible department')}
<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Service level (SLA)</legend>
${input('sla-case', 'The whole case', 'An ISO 8601 duration, like P60D for 60 days. Leave empty for no deadline.')}
${Object.keys(service.sla?.tasks ?? {}).map((elementId) => input(slaTaskField(elementId), `Task ${elementId}`))}
</fieldset>
<button type="submit" class="govuk-button" data-module="govuk-button">Save a new version</button>
</form>
<h2 class="govuk-heading-m" id="versions">Versions</h2>
${versions.length === 0 ? html`<p class="govuk-body">No changes yet: citizens see the file in services/${service.id}/.</p>` : html`<ul class="govuk-list">${versions.map((v) => html`<li>Version ${v.version}, ${formatDate(v.createdAt)} by ${v.actor ?? 'unknown'}</li>`)}</ul>`}`, { current: 'services', status, hasErrors: errors.length > 0, backLink: '/admin/services' });
    }

    const valuesOf = (service: Service): Record<string, string> => ({
      title: service.title, summary: service.summary, description: service.description.join('\n\n'), whoCanApply: service.whoCanApply.join('\n'), documentsNeeded: service.documentsNeeded.join('\n'),
      fee: service.fee, expectedTime: service.expectedTime, department: service.department, 'sla-case': service.sla?.case ?? '',
      ...Object.fromEntries(Object.entries(service.sla?.tasks ?? {}).map(([k, v]) => [slaTaskField(k), v])),
    });

    server.get<{ Params: { id: string }; Querystring: { saved?: string } }>('/admin/services/:id', async (request, reply) => {
      const service = serviceOr404(request.params.id);
      const saved = Number(request.query.saved);
      return servicePage(reply, adminOf(request), service, valuesOf(service), [], Number.isSafeInteger(saved) && saved > 0 ? saved : null);
    });

    server.post<{ Params: { id: string } }>('/admin/services/:id', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const service = serviceOr404(request.params.id);
      const { fields, errors } = parseServiceFields(body, service);
      if (!fields) {
        const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'csrf').map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v]));
        return servicePage(reply, admin, service, values, errors, null, 400);
      }
      const before = valuesOf(service);
      const base = str(body, 'base-version');
      const version = await db.transaction(async (tx) => {
        // One save of a service at a time (two at once would both number theirs max + 1), and none on top of a version
        // the admin has not seen.
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-service:${service.id}`]);
        const [latest] = await listServiceVersions(tx, service.id);
        if (base !== '' && base !== String(latest?.version ?? 0)) return { conflict: latest?.version ?? 0, by: latest?.actor ?? null };
        const v = await insertServiceVersion(tx, service.id, fields, actor);
        const after = valuesOf({ ...service, ...fields });
        const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
        await appendEvent(tx, { type: 'catalogue.service-changed', actor, data: { service: service.id, version: v, changed } });
        return v;
      });
      if (typeof version !== 'number') {
        await catalogue.refresh();
        const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'csrf' && k !== 'base-version').map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v]));
        return servicePage(reply, admin, catalogue.get(service.id) ?? service, values, [{ field: 'versions', message: `Someone else saved version ${version.conflict} of this service${version.by ? ` (${version.by})` : ''} after you opened this page. Your changes were not saved and are shown below: check version ${version.conflict}, then save again to replace it` }], null, 409);
      }
      await catalogue.refresh();
      return reply.redirect(`/admin/services/${service.id}?saved=${version}`, 303);
    });

    // ------------------------------------------------------------------ form editor

    const pageOr404 = (service: Service, pageId: string): Service['pages'][number] => {
      const found = service.pages.find((p) => p.id === pageId);
      if (!found) throw new AdminHttpError(404, 'Page not found', 'The service has no such question page.');
      return found;
    };

    async function formPage(reply: FastifyReply, admin: AdminSession, service: Service, pageId: string, schemaText: string, problems: string[], saved: number | null, status = 200): Promise<FastifyReply> {
      const questionPage = pageOr404(service, pageId);
      const versions = await listFormVersions(db, service.id, pageId);
      return send(reply, admin, `Form: ${questionPage.title}`, html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'schema', anchor: 'schema', message }))) : ''}${saved !== null ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="saved-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="saved-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">Saved as form version ${saved}. New answers use it; drafts started on the old version are asked to check this page again.</p></div></div>` : ''}
<span class="govuk-caption-l">${service.title}</span>
<h1 class="govuk-heading-l">Question page: ${questionPage.title}</h1>
<p class="govuk-body">Current form version ${questionPage.formVersion}. Each submission keeps the version it was filled in with.</p>
<p class="govuk-body" id="form-editor-status" role="status">Without JavaScript, edit the form's JSON below.</p>
<div id="form-editor" class="govflow-form-editor" hidden></div>
<form method="post" action="/admin/services/${service.id}/forms/${pageId}" id="form-editor-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-form-version" value="${questionPage.formVersion}">
<div class="govuk-form-group${problems.length > 0 ? ' govuk-form-group--error' : ''}" id="schema-group">
<label class="govuk-label" for="schema">Form (Camunda Forms JSON)</label>
${problems.length > 0 ? html`<p id="schema-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> The form was not saved</p>` : ''}
<textarea class="govuk-textarea${problems.length > 0 ? ' govuk-textarea--error' : ''}" id="schema" name="schema" rows="20" spellcheck="false"${problems.length > 0 ? html` aria-describedby="schema-error"` : ''}>${schemaText}</textarea>
</div>
<button type="submit" class="govuk-button govuk-!-margin-top-4" data-module="govuk-button">Save a new form version</button>
</form>
<h2 class="govuk-heading-m">Versions</h2>
<ul class="govuk-list">${versions.map((v) => html`<li><a class="govuk-link" href="/admin/services/${service.id}/forms/${pageId}/versions/${v.version}">Version ${v.version}</a> (${v.checksum}), ${formatDate(v.createdAt)} by ${v.actor ?? 'unknown'}</li>`)}<li>The file ${questionPage.formFile} in services/${service.id}/ (the starting point)</li></ul>`, {
        current: 'services', status, hasErrors: problems.length > 0, backLink: '/admin/services',
        editor: { scripts: ['/admin/assets/form-js/form-editor.js', '/admin/assets/form-editor.js'], stylesheets: ['/admin/assets/form-js/form-js.css', '/admin/assets/form-js/form-js-editor.css', '/admin/assets/form-js/properties-panel.css'] },
      });
    }

    server.get<{ Params: { id: string; page: string }; Querystring: { saved?: string } }>('/admin/services/:id/forms/:page', async (request, reply) => {
      const service = serviceOr404(request.params.id);
      const questionPage = pageOr404(service, request.params.page);
      const stored = (await listFormVersions(db, service.id, questionPage.id))[0];
      // The text as stored or as on disk (not the parsed schema, which keeps only what the portal renders).
      const text = stored && stored.checksum === questionPage.formVersion ? stored.schema
        : await readFile(path.resolve(service.directory, questionPage.formFile), 'utf8').catch(() => JSON.stringify(questionPage.form, null, 2));
      const saved = Number(request.query.saved);
      return formPage(reply, adminOf(request), service, questionPage.id, text, [], Number.isSafeInteger(saved) && saved > 0 ? saved : null);
    });

    server.post<{ Params: { id: string; page: string } }>('/admin/services/:id/forms/:page', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const service = serviceOr404(request.params.id);
      const questionPage = pageOr404(service, request.params.page);
      const text = str(body, 'schema');
      const base = str(body, 'base-form-version');
      const conflict = async (): Promise<FastifyReply> => {
        await catalogue.refresh();
        const now = catalogue.get(service.id) ?? service;
        return formPage(reply, admin, now, questionPage.id, text, [`Someone else saved a new version of this form after you opened this page. Your form was not saved and is shown below: check the current version, then save again to replace it`], null, 409);
      };
      // The stored versions are the truth (another govflow process may have saved one this catalogue has not read).
      const currentVersion = (stored: FormVersionRow | undefined): string => stored?.checksum ?? questionPage.formVersion;
      const [current] = await listFormVersions(db, service.id, questionPage.id);
      if (base !== '' && base !== currentVersion(current)) return conflict();
      const required = formFields(questionPage.form).map((f) => f.key);
      const { schema, problems } = parseFormVersion(text, required);
      if (schema) {
        // Keys are unique across a service's pages: the answers of all pages become one set of process variables.
        const others = new Set(service.pages.filter((p) => p.id !== questionPage.id).flatMap((p) => formFields(p.form).map((f) => f.key)));
        for (const f of formFields(schema)) if (others.has(f.key)) problems.push(`The key '${f.key}' is already used on another page of this service`);
      }
      if (!schema || problems.length > 0) return formPage(reply, admin, service, questionPage.id, text, problems.length > 0 ? problems : ['The form is not valid'], null, 400);
      // Stored as formatted JSON, so a version differs from the last only when the form does.
      const normalised = JSON.stringify(JSON.parse(text), null, 2);
      if (current && current.schema === normalised && current.checksum === questionPage.formVersion) return reply.redirect(`/admin/services/${service.id}/forms/${questionPage.id}?saved=${current.version}`, 303);
      const saved = await db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-form:${service.id}/${questionPage.id}`]);
        if (base !== '' && base !== currentVersion((await listFormVersions(tx, service.id, questionPage.id))[0])) return null;
        const v = await insertFormVersion(tx, service.id, questionPage.id, normalised, actor);
        await appendEvent(tx, { type: 'catalogue.service-changed', actor, data: { service: service.id, page: questionPage.id, formVersion: v.checksum, version: v.version } });
        return v;
      });
      if (!saved) return conflict();
      await catalogue.refresh();
      return reply.redirect(`/admin/services/${service.id}/forms/${questionPage.id}?saved=${saved.version}`, 303);
    });

    server.get<{ Params: { id: string; page: string; version: string } }>('/admin/services/:id/forms/:page/versions/:version', async (request, reply) => {
      const service = serviceOr404(request.params.id);
      const questionPage = pageOr404(service, request.params.page);
      const version = Number(request.params.version);
      const found = Number.isSafeInteger(version) && version > 0 ? await getFormVersion(db, service.id, questionPage.id, version) : null;
      if (!found) throw new AdminHttpError(404, 'Page not found', 'There is no such form version.');
      return reply.type('application/json; charset=utf-8').header('x-govflow-form-version', found.checksum).send(found.schema);
    });

    // ------------------------------------------------------------------ organisation

    async function organisationPage(reply: FastifyReply, admin: AdminSession, errors: readonly { field: string; message: string }[], values: Record<string, string>, status = 200): Promise<FastifyReply> {
      const [departments, staff, agencies] = await Promise.all([listDepartments(db), listStaff(db), listAgencies(db)]);
      const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input govuk-input--width-20${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
      return send(reply, admin, 'Organisation', html`${summary(errors)}<h1 class="govuk-heading-l">Organisation</h1>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Departments</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Id</th><th scope="col" class="govuk-table__header">Name</th><th scope="col" class="govuk-table__header">Agency</th></tr></thead>
<tbody class="govuk-table__body">${departments.map((d) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${d.id}</td><td class="govuk-table__cell">${d.name}</td><td class="govuk-table__cell">${agencies.find((a) => a.id === d.agencyId)?.name ?? d.agencyId}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Add a department</h2>
<form method="post" action="/admin/departments" novalidate>
${csrfField(admin)}
${input('department-id', 'Id', 'Lower-case letters, digits and dashes, like building-control. Used in task assignments.')}
${input('department-name', 'Name')}
<div class="${groupClass(errors, 'agency')}"><label class="govuk-label" for="agency">Agency</label>${fieldError(errors, 'agency')}<select class="govuk-select" id="agency" name="agency">${agencies.map((a) => html`<option value="${a.id}"${values['agency'] === a.id ? html` selected` : ''}>${a.name}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Add department</button>
</form>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Staff</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Username</th><th scope="col" class="govuk-table__header">Name</th><th scope="col" class="govuk-table__header">Roles</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
<tbody class="govuk-table__body">${staff.map((s) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/staff/${s.id}">${s.username}</a></td><td class="govuk-table__cell">${s.name}</td><td class="govuk-table__cell">${s.memberships.map((m) => `${m.role} in ${m.department}`).join(', ') || 'None'}</td><td class="govuk-table__cell">${s.disabled ? html`<strong class="govuk-tag govuk-tag--grey">Deactivated</strong>` : html`<strong class="govuk-tag govuk-tag--green">Active</strong>`}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Add a staff account</h2>
<form method="post" action="/admin/staff" novalidate>
${csrfField(admin)}
${input('username', 'Username', 'Lower-case letters, digits and dashes.')}
${input('name', 'Full name')}
${input('email', 'Email address (optional)')}
<button type="submit" class="govuk-button" data-module="govuk-button">Create account</button>
</form>`, { current: 'organisation', status, hasErrors: errors.length > 0 });
    }

    /** A validation or conflict from the organisation functions as errors next to the named fields. */
    const orgErrors = (error: unknown, fieldName: (where: string) => string): { field: string; message: string }[] | null => {
      if (!(error instanceof GovflowError) || (error.code !== 'GOVFLOW_ERR_VALIDATION' && error.code !== 'GOVFLOW_ERR_CONFLICT')) return null;
      return error.details.map((d) => ({ field: fieldName(d.where ?? ''), message: d.message }));
    };

    server.get('/admin/organisation', async (request, reply) => organisationPage(reply, adminOf(request), [], {}));

    server.post('/admin/departments', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      try {
        await createDepartment(db, { id: str(body, 'department-id'), name: str(body, 'department-name'), agencyId: str(body, 'agency') }, actor);
      } catch (error) {
        const errors = orgErrors(error, (where) => (where === 'agency' ? 'agency' : `department-${where}`));
        if (!errors) throw error;
        return organisationPage(reply, admin, errors, { 'department-id': str(body, 'department-id'), 'department-name': str(body, 'department-name'), agency: str(body, 'agency') }, 400);
      }
      return reply.redirect('/admin/organisation', 303);
    });

    server.post('/admin/staff', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      let created: { id: string; password: string; totpSecret: string };
      try {
        created = await createStaff(db, options.masterKey, { username: str(body, 'username'), name: str(body, 'name'), email: str(body, 'email') }, actor);
      } catch (error) {
        const errors = orgErrors(error, (where) => where);
        if (!errors) throw error;
        return organisationPage(reply, admin, errors, { username: str(body, 'username'), name: str(body, 'name'), email: str(body, 'email') }, 400);
      }
      // Shown once, on this response only (not a redirect): nothing stores the password or secret in clear.
      return send(reply, admin, 'Account created', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Account created</h1><div class="govuk-panel__body">Username <strong>${created.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This is the only time the password and the authenticator secret are shown. Give them to the person in a safe way.</strong></div>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Initial password</dt><dd class="govuk-summary-list__value"><code id="initial-password">${created.password}</code></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Authenticator secret (TOTP)</dt><dd class="govuk-summary-list__value"><code id="totp-secret">${created.totpSecret}</code></dd></div></dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${created.id}">Give ${created.id} a role in a department</a></p>`, { current: 'organisation', status: 201 });
    });

    async function staffPage(reply: FastifyReply, admin: AdminSession, staffId: string, errors: readonly { field: string; message: string }[] = [], status = 200): Promise<FastifyReply> {
      const staff = await getStaff(db, staffId);
      if (!staff) throw new AdminHttpError(404, 'Page not found', 'There is no such staff account.');
      const departments = await listDepartments(db);
      const csrf = csrfField(admin);
      return send(reply, admin, staff.name, html`${summary(errors)}<span class="govuk-caption-l">Staff account ${staff.username}</span>
<h1 class="govuk-heading-l">${staff.name}</h1>
<p class="govuk-body">${staff.disabled ? 'This account is deactivated: it cannot sign in.' : 'This account is active.'}</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Roles</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Department</th><th scope="col" class="govuk-table__header">Role</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th></tr></thead>
<tbody class="govuk-table__body">${staff.memberships.map((m) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${departments.find((d) => d.id === m.department)?.name ?? m.department}</td><td class="govuk-table__cell">${m.role}</td><td class="govuk-table__cell"><form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>${csrf}<input type="hidden" name="action" value="revoke"><input type="hidden" name="department" value="${m.department}"><input type="hidden" name="role" value="${m.role}"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> ${m.role} in ${m.department}</span></button></form></td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Give a role</h2>
<form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>
${csrf}<input type="hidden" name="action" value="grant">
<div class="${groupClass(errors, 'department')}"><label class="govuk-label" for="department">Department</label>${fieldError(errors, 'department')}<select class="govuk-select" id="department" name="department">${departments.map((d) => html`<option value="${d.id}">${d.name}</option>`)}</select></div>
<div class="${groupClass(errors, 'role')}"><label class="govuk-label" for="role">Role</label>${fieldError(errors, 'role')}<select class="govuk-select" id="role" name="role">${STAFF_ROLES.map((r) => html`<option value="${r}">${r}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Give role</button>
</form>
<h2 class="govuk-heading-m">Reset sign-in</h2>
<p class="govuk-body">For a forgotten password or a lost authenticator. Every session of the account ends; the new values are shown once.</p>
<form method="post" action="/admin/staff/${staff.id}/credentials" novalidate>
${csrf}
<div class="${groupClass(errors, 'reset')}"><fieldset class="govuk-fieldset"${errors.some((e) => e.field === 'reset') ? html` aria-describedby="reset-error"` : ''}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">What to reset</legend>${fieldError(errors, 'reset')}
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset" name="reset" type="radio" value="password"><label class="govuk-label govuk-radios__label" for="reset">The password</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-authenticator" name="reset" type="radio" value="authenticator"><label class="govuk-label govuk-radios__label" for="reset-authenticator">The authenticator (TOTP) secret</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-both" name="reset" type="radio" value="both"><label class="govuk-label govuk-radios__label" for="reset-both">Both</label></div>
</div></fieldset></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Reset and show the new values</button>
</form>
<h2 class="govuk-heading-m">${staff.disabled ? 'Reactivate' : 'Deactivate'}</h2>
<form method="post" action="/admin/staff/${staff.id}/status" novalidate>
${csrf}<input type="hidden" name="action" value="${staff.disabled ? 'reactivate' : 'deactivate'}">
<button type="submit" class="govuk-button ${staff.disabled ? 'govuk-button--secondary' : 'govuk-button--warning'}" data-module="govuk-button">${staff.disabled ? 'Reactivate the account' : 'Deactivate the account'}</button>
</form>`, { current: 'organisation', status, hasErrors: errors.length > 0, backLink: '/admin/organisation' });
    }

    server.get<{ Params: { id: string } }>('/admin/staff/:id', async (request, reply) => staffPage(reply, adminOf(request), request.params.id));

    server.post<{ Params: { id: string } }>('/admin/staff/:id/memberships', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const staff = await getStaff(db, request.params.id);
      if (!staff) throw new AdminHttpError(404, 'Page not found', 'There is no such staff account.');
      const action = str(body, 'action');
      if (action !== 'grant' && action !== 'revoke') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be grant or revoke', [{ where: 'action', message: 'must be grant or revoke' }]);
      let membership;
      try {
        membership = await parseMembership(db, body['department'], body['role']);
      } catch (error) {
        const errors = orgErrors(error, (where) => where);
        if (!errors) throw error;
        return staffPage(reply, admin, staff.id, errors, 400);
      }
      if (action === 'revoke' && staff.id === admin.principal.id && membership.role === 'admin' && staff.memberships.filter((m) => m.role === 'admin').length === 1) {
        return staffPage(reply, admin, staff.id, [{ field: 'role', message: 'You cannot remove your own last admin role: ask another administrator' }], 409);
      }
      await identity.setMembership(staff.id, membership, action === 'grant', actor);
      return reply.redirect(`/admin/staff/${staff.id}`, 303);
    });

    server.post<{ Params: { id: string } }>('/admin/staff/:id/credentials', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const staff = await getStaff(db, request.params.id);
      if (!staff) throw new AdminHttpError(404, 'Page not found', 'There is no such staff account.');
      const reset = str(body, 'reset');
      if (reset !== 'password' && reset !== 'authenticator' && reset !== 'both') return staffPage(reply, admin, staff.id, [{ field: 'reset', message: 'Choose what to reset' }], 400);
      // Resetting one's own sign-in here would end this session mid-page; and a second administrator is the check.
      if (staff.id === admin.principal.id) throw new AdminHttpError(409, 'You cannot reset your own sign-in', 'Ask another administrator to do it.');
      const issued = await resetStaffCredentials(db, options.masterKey, staff.id, reset, actor);
      if (!issued) throw new AdminHttpError(404, 'Page not found', 'There is no such staff account.');
      // Shown once, on this response only (not a redirect), as when the account was created.
      return send(reply, admin, 'Sign-in reset', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Sign-in reset</h1><div class="govuk-panel__body">Username <strong>${staff.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This is the only time ${issued.password !== undefined && issued.totpSecret !== undefined ? 'these values are' : 'this value is'} shown. Give ${issued.password !== undefined && issued.totpSecret !== undefined ? 'them' : 'it'} to the person in a safe way. Their sessions have ended.</strong></div>
<dl class="govuk-summary-list">${issued.password !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">New password</dt><dd class="govuk-summary-list__value"><code id="new-password">${issued.password}</code></dd></div>` : ''}${issued.totpSecret !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">New authenticator secret (TOTP)</dt><dd class="govuk-summary-list__value"><code id="new-totp-secret">${issued.totpSecret}</code></dd></div>` : ''}</dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${staff.id}">Back to ${staff.name}</a></p>`, { current: 'organisation' });
    });

    server.post<{ Params: { id: string } }>('/admin/staff/:id/status', async (request, reply) => {
      const { admin, body, actor } = await post(request);
      const staff = await getStaff(db, request.params.id);
      if (!staff) throw new AdminHttpError(404, 'Page not found', 'There is no such staff account.');
      const action = str(body, 'action');
      if (action !== 'deactivate' && action !== 'reactivate') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be deactivate or reactivate', [{ where: 'action', message: 'must be deactivate or reactivate' }]);
      if (action === 'deactivate' && staff.id === admin.principal.id) throw new AdminHttpError(409, 'You cannot deactivate your own account', 'Ask another administrator to do it.');
      await setStaffDisabled(db, staff.id, action === 'deactivate', actor);
      return reply.redirect(`/admin/staff/${staff.id}`, 303);
    });
  };
}
