/**
 * Serves the operators' pages at /operations (admins and auditors): the audit trail of the event log, open incidents
 * with a retry, and undelivered notifications with a resend.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/index.js';
import { actorOf, hasRole, type Identity, type StaffPrincipal } from '../identity/index.js';
import { createLogger, GovflowError, isGovflowError, toGovflowError, type Logger } from '../kernel/index.js';
import { listUndelivered, resendNotification } from '../notifications/index.js';
import { listAuditEvents, type AuditEvent, type AuditFilter, type Database } from '../store/index.js';
import { html, page, PARAM, paramsSchema, renderErrorSummary, useHtmlPageEdge, type HtmlValue, type NavigationItem, type SafeHtml, redirectToSignIn } from '../web/index.js';

export interface OversightOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly identity: Pick<Identity, 'pageSession' | 'checkCsrf'>;
  readonly logger?: Logger;
}

const NAVIGATION: readonly NavigationItem[] = [
  { href: '/operations', label: 'Overview', key: 'overview' },
  { href: '/operations/audit', label: 'Audit events', key: 'audit' },
  { href: '/operations/incidents', label: 'Incidents', key: 'incidents' },
  { href: '/operations/notifications', label: 'Notifications', key: 'notifications' },
];

const PAGE_SIZE = 50;
/** The forms here carry a CSRF token and nothing else. */
const FORM_BODY_LIMIT = 16 * 1024;
// Up to 15 digits: every such number is exact in JavaScript and fits the bigint ids.
const ID = /^[1-9][0-9]{0,14}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const when = (iso: string): string => `${DATE_TIME.format(new Date(iso))} UTC`;

class OversightHttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly body: string) {
    super(title);
  }
}

interface Viewer {
  readonly principal: StaffPrincipal;
  readonly csrfToken: string;
  /** Admins act (retry, resend); auditors only read. */
  readonly canAct: boolean;
}

type Query = Record<string, string | string[] | undefined>;
const one = (query: Query, name: string): string => {
  const v = query[name];
  return (Array.isArray(v) ? v[0] ?? '' : v ?? '').trim();
};

/** Reads the audit filter form; each wrong field gets a message, as the GOV.UK error summary pattern wants. */
export function parseAuditFilter(query: Query): { filter: AuditFilter; values: Record<string, string>; errors: { field: string; message: string }[] } {
  const values = { type: one(query, 'type'), actor: one(query, 'actor'), case: one(query, 'case'), from: one(query, 'from'), to: one(query, 'to'), before: one(query, 'before') };
  const errors: { field: string; message: string }[] = [];
  const date = (field: 'from' | 'to', label: string, plusDay: boolean): Date | undefined => {
    const v = values[field];
    if (v === '') return undefined;
    const m = DATE.exec(v);
    const [y, mo, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const d = new Date(Date.UTC(y, mo - 1, day));
    if (!m || d.getUTCFullYear() !== y || d.getUTCMonth() !== mo - 1 || d.getUTCDate() !== day) {
      errors.push({ field, message: `Enter the ${label} as a date like 2026-03-31` });
      return undefined;
    }
    // The last day is included: the filter's end is the start of the next day.
    if (plusDay) d.setUTCDate(d.getUTCDate() + 1);
    return d;
  };
  if (values.type.length > 100 || /[^A-Za-z0-9._:-]/.test(values.type)) errors.push({ field: 'type', message: 'Enter an event type like identity.sign-in, or its beginning ending with a dot like identity.' });
  if (values.actor.length > 200) errors.push({ field: 'actor', message: 'The actor must be 200 characters or fewer' });
  if (values.case !== '' && !ID.test(values.case)) errors.push({ field: 'case', message: 'Enter the case number as a whole number, like 42' });
  const from = date('from', 'first day', false);
  const to = date('to', 'last day', true);
  if (from && to && to <= from) errors.push({ field: 'to', message: 'The last day must be the same as or after the first day' });
  const beforeId = ID.test(values.before) ? Number(values.before) : undefined;
  const filter: AuditFilter = {
    limit: PAGE_SIZE,
    ...(values.type ? { type: values.type } : {}), ...(values.actor ? { actor: values.actor } : {}),
    ...(values.case && ID.test(values.case) ? { instanceId: Number(values.case) } : {}),
    ...(from ? { from } : {}), ...(to ? { to } : {}), ...(beforeId ? { beforeId } : {}),
  };
  return { filter, values, errors };
}

/** The success banner after an action. */
const banner = (text: string): SafeHtml => html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="done-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="done-title">Success</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${text}</p></div></div>`;

/** The audit page: the filter form (with its errors, GOV.UK pattern) and a page of matching events, newest first. */
function auditPage(values: Record<string, string>, errors: readonly { field: string; message: string }[], events: readonly AuditEvent[], filter: AuditFilter): SafeHtml {
  const field = (name: string, label: string, hint: string, width: string): SafeHtml => {
    const error = errors.find((e) => e.field === name);
    return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="${name}">${label}</label>
<div id="${name}-hint" class="govuk-hint">${hint}</div>
${error ? html`<p id="${name}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : ''}
<input class="govuk-input ${width}${error ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}" aria-describedby="${name}-hint${error ? ` ${name}-error` : ''}" spellcheck="false">
</div>`;
  };
  const next = events.length === PAGE_SIZE ? new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== '' && k !== 'before')), before: String(events.at(-1)!.id) }).toString() : null;
  return html`${errors.length > 0 ? renderErrorSummary(errors.map((e) => ({ key: e.field, anchor: e.field, message: e.message }))) : ''}
<h1 class="govuk-heading-l">Audit events</h1>
<p class="govuk-body">Every change recorded in the event log, newest first: who did what, when, and to which case. The details of a case are on its page in the workbench.</p>
<form method="get" action="/operations/audit" novalidate>
<div class="govuk-grid-row">
<div class="govuk-grid-column-one-third">${field('type', 'Event type', 'For example identity.sign-in, or identity. for all of them', 'govuk-!-width-full')}</div>
<div class="govuk-grid-column-one-third">${field('actor', 'Actor', 'For example staff:ada or citizen:…', 'govuk-!-width-full')}</div>
<div class="govuk-grid-column-one-third">${field('case', 'Case number', 'The number in the case page address', 'govuk-input--width-10')}</div>
</div>
<div class="govuk-grid-row">
<div class="govuk-grid-column-one-third">${field('from', 'First day', 'For example 2026-03-01 (UTC)', 'govuk-input--width-10')}</div>
<div class="govuk-grid-column-one-third">${field('to', 'Last day', 'For example 2026-03-31 (UTC)', 'govuk-input--width-10')}</div>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Show events</button>
</form>
${errors.length > 0 ? '' : events.length === 0 ? html`<p class="govuk-body">No events match.</p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">Events${filter.beforeId ? ' (older)' : ''}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">Event</th><th scope="col" class="govuk-table__header">Actor</th><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Step</th></tr></thead>
<tbody class="govuk-table__body">
${events.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${when(e.occurredAt)}</td><td class="govuk-table__cell">${e.type}</td><td class="govuk-table__cell">${e.actor ?? 'the platform'}</td><td class="govuk-table__cell">${e.instanceId === null ? '–' : html`<a class="govuk-link" href="/staff/cases/${e.instanceId}">${e.instanceId}</a>`}</td><td class="govuk-table__cell">${e.elementId ?? '–'}</td></tr>`)}
</tbody></table>
${next ? html`<p class="govuk-body"><a class="govuk-link" href="/operations/audit?${next}">Older events</a></p>` : ''}`}`;
}

/** The failed or pending e-mails, a page at a time, with a Resend button for admins. */
function notificationsPage(p: { status: 'failed' | 'queued'; entries: Awaited<ReturnType<typeof listUndelivered>>['entries']; total: number; pageNumber: number; resent: string; viewer: Viewer }): SafeHtml {
  const { status, entries, total, pageNumber, resent, viewer } = p;
  const tab = (key: 'failed' | 'queued', label: string): SafeHtml => (status === key
    ? html`<li><a class="govuk-link" href="/operations/notifications?status=${key}" aria-current="page"><strong>${label}</strong></a></li>`
    : html`<li><a class="govuk-link" href="/operations/notifications?status=${key}">${label}</a></li>`);
  return html`${ID.test(resent) ? banner(`Notification ${resent} was queued to be sent again`) : ''}
<h1 class="govuk-heading-l">${status === 'failed' ? 'Failed notifications' : 'Pending notifications'}</h1>
<nav aria-label="Notification status"><ul class="govuk-list govuk-list--inline">${tab('failed', 'Failed')} ${tab('queued', 'Pending')}</ul></nav>
<p class="govuk-body">${status === 'failed' ? 'E-mails that could not be delivered after every attempt.' : 'E-mails waiting to be sent, including those waiting to be tried again.'} ${viewer.canAct ? 'Resend one once the cause (the mail server, the address) is fixed.' : ''}</p>
${entries.length === 0 ? html`<p class="govuk-body">There are none.</p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">${total} ${status === 'failed' ? 'failed' : 'pending'}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Message</th><th scope="col" class="govuk-table__header">Template</th><th scope="col" class="govuk-table__header">To</th><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Attempts</th><th scope="col" class="govuk-table__header">Last error</th><th scope="col" class="govuk-table__header">${status === 'failed' ? 'Queued' : 'Next attempt'}</th>${viewer.canAct ? html`<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>` : ''}</tr></thead>
<tbody class="govuk-table__body">
${entries.map((n) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${n.id}</td><td class="govuk-table__cell">${n.template}</td><td class="govuk-table__cell">${n.recipient}</td><td class="govuk-table__cell">${n.instanceId === null ? '–' : html`<a class="govuk-link" href="/staff/cases/${n.instanceId}">${n.instanceId}</a>`}</td><td class="govuk-table__cell">${n.attempts}</td><td class="govuk-table__cell">${n.lastError ?? '–'}</td><td class="govuk-table__cell">${when(status === 'failed' ? n.createdAt : n.nextAttemptAt)}</td>${viewer.canAct ? html`<td class="govuk-table__cell"><form method="post" action="/operations/notifications/${n.id}/resend"><input type="hidden" name="csrf" value="${viewer.csrfToken}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${status === 'failed' ? 'Resend' : 'Send now'}<span class="govuk-visually-hidden"> notification ${n.id}</span></button></form></td>` : ''}</tr>`)}
</tbody></table>
${total > pageNumber * PAGE_SIZE ? html`<p class="govuk-body"><a class="govuk-link" href="/operations/notifications?status=${status}&amp;page=${pageNumber + 1}">More</a></p>` : ''}`}`;
}

/**
 * The operators' views (`/operations/…`): admins and auditors read the audit trail (the event log, filtered), the
 * open incidents and the notifications that failed or wait; admins retry an incident and resend a notification.
 * Both actions are recorded in the event log under the admin's name (`incident.resolved`, `notification.resent`).
 */
export function createOversightPlugin(options: OversightOptions): (server: FastifyInstance) => Promise<void> {
  const { engine, db, identity } = options;
  const log = options.logger ?? createLogger({ name: 'operations' });
  const viewers = new WeakMap<FastifyRequest, Viewer>();

  return async (server: FastifyInstance) => {
    await useHtmlPageEdge(server, { formBodyLimit: FORM_BODY_LIMIT });
    server.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/operations')) return;
      // A body declared larger than any of these forms is refused as such, for everyone, before anything else.
      if (Number(request.headers['content-length'] ?? 0) > FORM_BODY_LIMIT) {
        throw new OversightHttpError(413, 'There is a problem with your request', 'What you sent is too large. Go back and try again.');
      }
      // No session is created here (a read never writes): the sign-in page it redirects to makes one.
      const s = await identity.pageSession(request, reply);
      if (s.principal?.kind === 'staff' && hasRole(s.principal, ['admin', 'auditor'])) {
        viewers.set(request, { principal: s.principal, csrfToken: s.csrfToken, canAct: hasRole(s.principal, ['admin']) });
        return;
      }
      if (s.principal) throw new OversightHttpError(403, 'You cannot use the operations pages', 'These pages are for administrators and auditors.');
      await redirectToSignIn(reply, 'staff', request, '/operations');
    });

    server.setErrorHandler(async (error, request, reply) => {
      const viewer = viewers.get(request) ?? null;
      if (error instanceof OversightHttpError) return send(reply, viewer, error.title, html`<h1 class="govuk-heading-l">${error.title}</h1><p class="govuk-body">${error.body}</p>`, '', error.status);
      const coded = isGovflowError(error) ? error : toGovflowError(error);
      const status = (error as { statusCode?: number }).statusCode;
      if (coded.kind === 'user' || (status !== undefined && status >= 400 && status < 500)) {
        return send(reply, viewer, 'There is a problem', html`<h1 class="govuk-heading-l">There is a problem</h1><p class="govuk-body">${isGovflowError(error) ? coded.message : 'We could not read what you sent.'}</p>`, '', isGovflowError(error) ? coded.status : status ?? 400);
      }
      log.error({ err: error, reference: request.id, url: request.url }, 'operations page failed');
      return send(reply, viewer, 'Sorry, there is a problem with the service', html`<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1><p class="govuk-body">Try again later. Reference: ${request.id}</p>`, '', 500);
    });

    function send(reply: FastifyReply, viewer: Viewer | null, title: string, content: HtmlValue, current: string, status = 200, hasErrors = false): FastifyReply {
      return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page({
        title, content, hasErrors, navigation: NAVIGATION, current, section: { name: 'Operations', href: '/operations' }, wide: true,
        citizen: viewer?.principal.name ?? null, signOutAction: '/staff/sign-out', ...(viewer ? { csrfToken: viewer.csrfToken } : {}),
      }).value);
    }
    const viewerOf = (request: FastifyRequest): Viewer => {
      const viewer = viewers.get(request);
      if (!viewer) throw new OversightHttpError(403, 'You cannot use the operations pages', 'These pages are for administrators and auditors.');
      return viewer;
    };
    /** A write: admins only, with the session's CSRF token. */
    const actingAdmin = async (request: FastifyRequest): Promise<Viewer> => {
      const viewer = viewerOf(request);
      if (!viewer.canAct) throw new OversightHttpError(403, 'Auditors cannot change anything', 'Auditors read the operations pages; an administrator retries incidents and resends notifications.');
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (!(await identity.checkCsrf(request, body['csrf']))) throw new OversightHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
      return viewer;
    };
    const idParam = (request: FastifyRequest, what: string): number => {
      const id = (request.params as { id?: string }).id ?? '';
      if (!ID.test(id)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `the ${what} number must be a whole number between 1 and 999999999999999`);
      return Number(id);
    };

    server.get('/operations', async (request, reply) => {
      const viewer = viewerOf(request);
      const [incidents, failed, queued] = await Promise.all([engine.listIncidents({ state: 'open' }), listUndelivered(db, { status: 'failed', limit: 1, offset: 0 }), listUndelivered(db, { status: 'queued', limit: 1, offset: 0 })]);
      return send(reply, viewer, 'Operations', html`<h1 class="govuk-heading-l">Operations</h1>
<p class="govuk-body">What needs attention on this platform, and who did what.${viewer.canAct ? '' : ' You can read these pages; an administrator retries incidents and resends notifications.'}</p>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Open incidents</dt><dd class="govuk-summary-list__value">${incidents.length}</dd><dd class="govuk-summary-list__actions"><a class="govuk-link" href="/operations/incidents">View<span class="govuk-visually-hidden"> incidents</span></a></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Failed notifications</dt><dd class="govuk-summary-list__value">${failed.total}</dd><dd class="govuk-summary-list__actions"><a class="govuk-link" href="/operations/notifications?status=failed">View<span class="govuk-visually-hidden"> failed notifications</span></a></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Pending notifications</dt><dd class="govuk-summary-list__value">${queued.total}</dd><dd class="govuk-summary-list__actions"><a class="govuk-link" href="/operations/notifications?status=queued">View<span class="govuk-visually-hidden"> pending notifications</span></a></dd></div>
</dl>
<p class="govuk-body"><a class="govuk-link" href="/operations/audit">Audit events</a></p>`, 'overview');
    });

    // ------------------------------------------------------------------ audit events

    server.get('/operations/audit', async (request, reply) => {
      const viewer = viewerOf(request);
      const { filter, values, errors } = parseAuditFilter(request.query as Query);
      const events = errors.length === 0 ? await listAuditEvents(db, filter) : [];
      return send(reply, viewer, 'Audit events', auditPage(values, errors, events, filter), 'audit', errors.length > 0 ? 400 : 200, errors.length > 0);
    });

    // ------------------------------------------------------------------ incidents

    server.get('/operations/incidents', async (request, reply) => {
      const viewer = viewerOf(request);
      const incidents = await engine.listIncidents({ state: 'open' });
      const retried = one(request.query as Query, 'retried');
      return send(reply, viewer, 'Incidents', html`${ID.test(retried) ? banner(`Incident ${retried} was retried`) : ''}
<h1 class="govuk-heading-l">Incidents</h1>
<p class="govuk-body">Work the platform could not finish by itself: a job that ran out of retries, an expression that failed. ${viewer.canAct ? 'Retry one once its cause is fixed: a failed job gets its retries back.' : 'An administrator retries them.'}</p>
${incidents.length === 0 ? html`<p class="govuk-body">There are no open incidents.</p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">${incidents.length} open</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Incident</th><th scope="col" class="govuk-table__header">Since</th><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Step</th><th scope="col" class="govuk-table__header">What went wrong</th>${viewer.canAct ? html`<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>` : ''}</tr></thead>
<tbody class="govuk-table__body">
${incidents.map((i) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${i.id}</td><td class="govuk-table__cell">${when(i.createdAt)}</td><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${i.instanceId}">${i.instanceId}</a></td><td class="govuk-table__cell">${i.elementId}</td><td class="govuk-table__cell">${i.kind}: ${i.message}</td>${viewer.canAct ? html`<td class="govuk-table__cell"><form method="post" action="/operations/incidents/${i.id}/retry"><input type="hidden" name="csrf" value="${viewer.csrfToken}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Retry<span class="govuk-visually-hidden"> incident ${i.id}</span></button></form></td>` : ''}</tr>`)}
</tbody></table>`}`, 'incidents');
    });

    server.post('/operations/incidents/:id/retry', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
      const viewer = await actingAdmin(request);
      const id = idParam(request, 'incident');
      await engine.resolveIncident(id, { actor: actorOf(viewer.principal) });
      return reply.redirect(`/operations/incidents?retried=${id}`, 303);
    });

    // ------------------------------------------------------------------ notifications

    server.get('/operations/notifications', async (request, reply) => {
      const viewer = viewerOf(request);
      const query = request.query as Query;
      const status = one(query, 'status') === 'queued' ? 'queued' : 'failed';
      const pageNumber = /^[1-9][0-9]{0,5}$/.test(one(query, 'page')) ? Number(one(query, 'page')) : 1;
      const { entries, total } = await listUndelivered(db, { status, limit: PAGE_SIZE, offset: (pageNumber - 1) * PAGE_SIZE });
      const resent = one(query, 'resent');
      return send(reply, viewer, status === 'failed' ? 'Failed notifications' : 'Pending notifications', notificationsPage({ status, entries, total, pageNumber, resent, viewer }), 'notifications');
    });

    server.post('/operations/notifications/:id/resend', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
      const viewer = await actingAdmin(request);
      const id = idParam(request, 'notification');
      await resendNotification(db, id, actorOf(viewer.principal));
      return reply.redirect(`/operations/notifications?resent=${id}`, 303);
    });
  };
}
