import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalogue } from '../catalogue/index.js';
import { actorOf, type StaffPrincipal } from '../identity/index.js';
import { t } from '../i18n/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { formBody, html, htmlPageEdge, page, PageError, type FormBody, type HtmlValue, type NavigationItem, redirectToSignIn } from '../web/index.js';
import { recordTrainingSession } from './records.js';
import { CSRF_HEADER, openSandbox, type Sandbox } from './sandbox.js';
import { registerTrainingPages } from './training-pages.js';

/**
 * Serves the training sandbox (issue 20): `/staff/training` (choose a service, open sessions, finish one), each
 * sandbox's workbench at `/staff/sandbox/:sandboxId/…` — the real workbench plugin over the sandbox's own database,
 * reached through this plugin only, for the staff member who opened it — and the training records managers read
 * (training-pages.ts). The sign-in and CSRF check are the real ones (identity's web session plugin runs first).
 */

export interface TrainingOptions {
  /** The real database: the one place a finished session's record is written (records.ts). */
  readonly db: Queryable;
  readonly catalogue: Catalogue;
  readonly logger?: Logger;
  /** Migrated database images for the sandboxes (GOVFLOW_PGLITE_SNAPSHOT_DIR). */
  readonly migratedSnapshotDir?: string;
  /** Open sandboxes on this process at most (each is an embedded database in memory); default 10. */
  readonly maxSandboxes?: number;
  /** A sandbox nobody used for this long is thrown away when the next one opens; default 120 minutes. */
  readonly idleMinutes?: number;
}

/** The training area's navigation, in the reader's language (so built per page). */
export const trainingNavigation = (): readonly NavigationItem[] => [
  { href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/training', label: t('staff.training.title'), key: 'training' }, { href: '/staff/training/records', label: t('staff.training.records'), key: 'records' },
];
const PER_TRAINEE = 2;
const FORM_BODY_LIMIT = 64 * 1024;
/** The workbench's own addresses in its pages and redirects, which inside a sandbox must lead back into it. */
const WORKBENCH_LINK = /(href|action|src)="\/staff(?=["?#]|\/(?:cases|tasks|search|incidents|intelligence|assets)[/"?#])/g;
const WORKBENCH_LOCATION = /^\/staff(?=$|[?#]|\/(?:cases|tasks|search|incidents|intelligence|assets)(?:[/?#]|$))/;
const SANDBOX_ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{16}$' } as const;

export interface TrainingContext {
  readonly db: Queryable;
  readonly catalogue: Catalogue;
  readonly log: Logger;
  readonly sandboxes: ReadonlyMap<string, Sandbox>;
  send(reply: FastifyReply, staff: { principal: StaffPrincipal; csrfToken: string } | null, title: string, content: HtmlValue, status?: number, current?: string): FastifyReply;
  staffOnly(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: StaffPrincipal; csrfToken: string } | null>;
}

export function createTrainingPlugin(options: TrainingOptions): (server: FastifyInstance) => Promise<void> {
  const log = options.logger ?? createLogger({ name: 'training' });
  const sandboxes = new Map<string, Sandbox>();
  const lastUsed = new Map<string, number>();
  const forwardedCsp = new WeakMap<FastifyReply, string>();

  const send: TrainingContext['send'] = (reply, staff, title, content, status = 200, current = 'training') => reply.status(status).type('text/html; charset=utf-8').send(page({
    title, content, navigation: trainingNavigation(), current, section: { name: t('staff.training.section'), href: '/staff/training' }, wide: true, languageSwitcher: true,
    citizen: staff?.principal.name ?? null, ...(staff ? { csrfToken: staff.csrfToken } : {}),
  }).value);

  /** The signed-in staff member; anyone else is sent to the staff sign-in, a citizen refused: training is for staff. */
  async function staffOnly(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: StaffPrincipal; csrfToken: string } | null> {
    const principal = request.principal;
    if (principal?.kind === 'staff') return { principal, csrfToken: request.csrfToken };
    if (principal) throw new PageError(403, t('staff.training.notStaffTitle'), t('staff.error.notStaffText'));
    await redirectToSignIn(reply, 'staff', request, '/staff/training');
    return null;
  }

  /** The caller's own sandbox; another person's, or one that ended, is "not found" (never "forbidden": ids are not confirmed). */
  function sandboxOf(principal: StaffPrincipal, id: string): Sandbox {
    const sandbox = sandboxes.get(id);
    if (!sandbox || sandbox.owner.id !== principal.id) throw new PageError(404, t('staff.error.notFound'), t('staff.training.noSuchSession'));
    lastUsed.set(id, Date.now());
    return sandbox;
  }

  async function closeSandbox(id: string): Promise<void> {
    const sandbox = sandboxes.get(id);
    sandboxes.delete(id);
    lastUsed.delete(id);
    await sandbox?.close().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'closing a training sandbox failed'));
  }

  async function open(principal: StaffPrincipal, serviceId: string): Promise<Sandbox> {
    const idleMs = (options.idleMinutes ?? 120) * 60_000;
    for (const [id, at] of lastUsed) if (Date.now() - at > idleMs) await closeSandbox(id);
    const service = options.catalogue.get(serviceId);
    if (!service?.process.bpmn) throw new PageError(400, t('staff.training.chooseTitle'), t('staff.training.chooseText'));
    if ([...sandboxes.values()].filter((s) => s.owner.id === principal.id).length >= PER_TRAINEE) {
      throw new PageError(409, t('staff.training.tooManyTitle'), t('staff.training.tooManyText', { max: PER_TRAINEE }));
    }
    if (sandboxes.size >= (options.maxSandboxes ?? 10)) throw new PageError(503, t('staff.training.busyTitle'), t('staff.training.busyText'));
    const sandbox = await openSandbox({
      catalogue: options.catalogue, service, logger: log, ...(options.migratedSnapshotDir ? { migratedSnapshotDir: options.migratedSnapshotDir } : {}),
      owner: { id: principal.id, name: principal.name, actor: actorOf(principal), departments: principal.departments },
    });
    sandboxes.set(sandbox.id, sandbox);
    lastUsed.set(sandbox.id, Date.now());
    return sandbox;
  }

  /** Hands the request to the sandbox's own workbench and its answer back, with the workbench's links kept inside the sandbox. */
  async function forward(request: FastifyRequest<{ Params: { sandboxId: string; '*'?: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const sandbox = sandboxOf(staff.principal, request.params.sandboxId);
    const rest = request.params['*'] ?? '';
    const queryAt = request.url.indexOf('?');
    const payload = request.method === 'POST' ? encodeForm(formBody(request)) : undefined;
    const answer = await sandbox.app.inject({
      method: request.method === 'POST' ? 'POST' : 'GET', url: `/staff${rest ? `/${rest}` : ''}${queryAt >= 0 ? request.url.slice(queryAt) : ''}`, payload,
      headers: { [CSRF_HEADER]: staff.csrfToken, ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(request.headers['accept-language'] ? { 'accept-language': request.headers['accept-language'] } : {}), ...(request.headers.cookie ? { cookie: request.headers.cookie } : {}) },
    });
    // The steps after a person's action that a worker would run (registry answers, e-mails, signing) run here, inside the sandbox.
    if (request.method === 'POST') await sandbox.runJobs();
    const base = `/staff/sandbox/${sandbox.id}`;
    const location = answer.headers['location'];
    if (typeof location === 'string') void reply.header('location', location.replace(WORKBENCH_LOCATION, base));
    for (const name of ['cache-control', 'content-disposition', 'x-content-type-options']) {
      const value = answer.headers[name];
      if (typeof value === 'string') void reply.header(name, value);
    }
    const csp = answer.headers['content-security-policy'];
    if (typeof csp === 'string') forwardedCsp.set(reply, csp);
    const type = String(answer.headers['content-type'] ?? 'application/octet-stream');
    void reply.status(answer.statusCode).type(type);
    if (!type.startsWith('text/html')) return reply.send(answer.rawPayload);
    return reply.send(inSandbox(answer.body, base, sandbox, staff.csrfToken));
  }

  return async (server: FastifyInstance) => {
    await server.register(htmlPageEdge, {
      formBodyLimit: FORM_BODY_LIMIT,
      cspFor: (reply) => forwardedCsp.get(reply),
      errors: {
        render: (request, reply, title, content, status) => send(reply, request.principal?.kind === 'staff' ? { principal: request.principal, csrfToken: request.csrfToken } : null, title, content, status),
        log, home: { href: '/staff/training', get label() { return t('staff.training.back'); } }, userMessages: true,
        onError: (reply) => forwardedCsp.delete(reply),
      },
    });
    server.addHook('onClose', async () => {
      for (const id of [...sandboxes.keys()]) await closeSandbox(id);
    });
    const ctx: TrainingContext = { db: options.db, catalogue: options.catalogue, log, sandboxes, send, staffOnly };
    registerTrainingPages(server, ctx);

    server.post('/staff/training', async (request, reply) => {
      const staff = await staffOnly(request, reply);
      if (!staff) return reply;
      const serviceId = formBody(request)['service'];
      const sandbox = await open(staff.principal, typeof serviceId === 'string' ? serviceId : '');
      return reply.redirect(`/staff/sandbox/${sandbox.id}`, 303);
    });

    server.post<{ Params: { sandboxId: string } }>('/staff/training/:sandboxId/finish', { schema: { params: { type: 'object', properties: { sandboxId: SANDBOX_ID }, required: ['sandboxId'], additionalProperties: false } } }, async (request, reply) => {
      const staff = await staffOnly(request, reply);
      if (!staff) return reply;
      const sandbox = sandboxOf(staff.principal, request.params.sandboxId);
      const feedback = await sandbox.feedback();
      // The one row a session leaves in the real database: its record, written as it ends.
      const id = await recordTrainingSession(options.db, sandbox.owner.actor, {
        trainee: { id: sandbox.owner.id, name: sandbox.owner.name, departments: sandbox.owner.departments },
        serviceId: sandbox.service.id, serviceTitle: sandbox.service.title, startedAt: sandbox.startedAt, finishedAt: new Date().toISOString(), feedback,
      });
      await closeSandbox(sandbox.id);
      return reply.redirect(`/staff/training/records/${id}`, 303);
    });

    const sandboxParams = (wildcard: boolean) => ({ schema: { params: { type: 'object', properties: { sandboxId: SANDBOX_ID, ...(wildcard ? { '*': { type: 'string', maxLength: 500 } } : {}) }, required: ['sandboxId'], additionalProperties: false } } });
    server.route({ method: ['GET', 'POST'], url: '/staff/sandbox/:sandboxId', ...sandboxParams(false), handler: forward });
    server.route({ method: ['GET', 'POST'], url: '/staff/sandbox/:sandboxId/*', ...sandboxParams(true), handler: forward });
  };
}

/** A form body as urlencoded text again (repeated names stay repeated), for the sandbox's workbench to parse as usual. */
function encodeForm(body: FormBody): string {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  return out.toString();
}

/** The sandbox workbench's page, its links leading back into the sandbox, under a banner that says where the trainee is. */
function inSandbox(body: string, base: string, sandbox: Sandbox, csrfToken: string): string {
  const banner = html`<section class="govuk-notification-banner" aria-labelledby="training-banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="training-banner-title">${t('staff.training.sandbox')}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.training.trainingOn', { service: sandbox.service.title })}</p>
<p class="govuk-body">${t('staff.training.nothingReaches')}</p>
<form method="post" action="/staff/training/${sandbox.id}/finish" novalidate><input type="hidden" name="csrf" value="${csrfToken}"><button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.training.finish')}</button></form></div></section>`;
  return body.replace(WORKBENCH_LINK, `$1="${base}`)
    .replace('<title>', `<title>${t('staff.training.titlePrefix')}`)
    .replace('<main class="govuk-main-wrapper" id="main-content">', `<main class="govuk-main-wrapper" id="main-content">${banner.value}`);
}
