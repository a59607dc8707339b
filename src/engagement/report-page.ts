/**
 * Serves the citizen's "Report a problem" pages: where (an address or coordinates) and what kind of problem, then — with
 * the open reports of that kind nearby offered as possible duplicates — the description, the category's questions
 * and an optional photo; then the report's public status page. Server-rendered, no script; validation is the same
 * as Open311's (one model), its messages shown in the GOV.UK error summary.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import { formatDay, messageKeys, t, type MessageKey } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { formatDateTime, formBody, formFiles, formText, html, htmlPageEdge, page, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type FormBody, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { CategoryAttribute, ProblemCategory } from './categories.js';
import type { Engagement } from './engagement.js';
import { Open311Failure, parseServiceRequest, type Open311Error, type Params } from './open311-params.js';
import * as store from './report-store.js';

const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
const NEARBY_METRES = 150;
/** The category a citizen chooses when they do not know it: triage's classifier guesses it from the description. */
const UNKNOWN = 'unknown';

interface Where { readonly category: string; readonly address: string; readonly lat: string; readonly long: string }

// The demo categories' words in the reader's language (problem.<code>…); a deployment's own categories, with no
// messages of their own, show as configured.
const KNOWN = new Set<string>(messageKeys());
const word = (key: string, configured: string): string => (KNOWN.has(key) ? t(key as MessageKey) : configured);
const categoryName = (c: ProblemCategory): string => word(`problem.${c.code}.name`, c.name);
const localised = (c: ProblemCategory): ProblemCategory => ({
  ...c, name: categoryName(c), description: word(`problem.${c.code}.description`, c.description),
  attributes: c.attributes.map((a) => ({
    ...a, description: word(`problem.${c.code}.${a.code}`, a.description),
    ...(a.values ? { values: a.values.map((v) => ({ ...v, name: word(`problem.${c.code}.${a.code}.${v.key}`, v.name) })) } : {}),
  })),
});

/**
 * An attribute's problem said to a person, naming the question as the page asked it (in the reader's language); a
 * problem without an attribute (the API's own words) is shown as the parser gave it.
 */
function attributeMessage(e: Open311Error, category: ProblemCategory | undefined): string {
  if (!e.attribute) return e.description;
  const { code, problem, max } = e.attribute;
  const question = (category ? localised(category).attributes.find((a) => a.code === code)?.description : undefined) ?? code;
  return t(`report.attribute.${problem}`, { question, max: String(max ?? '') });
}

const whereOf = (source: Params): Where => {
  const v = (k: string): string => {
    const x = source[k];
    return typeof x === 'string' ? x.trim() : '';
  };
  return { category: v('category'), address: v('address'), lat: v('lat'), long: v('long') };
};

function checkWhere(categories: readonly ProblemCategory[], w: Where): FieldError[] {
  const errors: FieldError[] = [];
  if (w.category !== UNKNOWN && !categories.some((c) => c.code === w.category)) errors.push({ key: 'category', anchor: `category-${categories[0]?.code ?? ''}`, message: t('report.error.category') });
  const hasCoordinates = w.lat !== '' || w.long !== '';
  if (w.address === '' && !hasCoordinates) errors.push({ key: 'address', anchor: 'address', message: t('report.error.address') });
  if (w.address.length > 300) errors.push({ key: 'address', anchor: 'address', message: t('report.error.addressLong', { max: 300 }) });
  if (hasCoordinates) {
    const lat = Number(w.lat);
    const long = Number(w.long);
    if (!/^-?\d{1,3}(\.\d{1,15})?$/.test(w.lat) || Math.abs(lat) > 90) errors.push({ key: 'lat', anchor: 'lat', message: t('report.error.lat') });
    if (!/^-?\d{1,3}(\.\d{1,15})?$/.test(w.long) || Math.abs(long) > 180) errors.push({ key: 'long', anchor: 'long', message: t('report.error.long') });
  }
  return errors;
}

const errorOf = (errors: readonly FieldError[], key: string): SafeHtml => {
  const e = errors.find((x) => x.key === key);
  return e ? html`<p class="govuk-error-message" id="${key}-error"><span class="govuk-visually-hidden">${t('layout.errorPrefix')}</span> ${e.message}</p>` : html``;
};
const groupClass = (errors: readonly FieldError[], key: string): string => `govuk-form-group${errors.some((e) => e.key === key) ? ' govuk-form-group--error' : ''}`;

function whereForm(categories: readonly ProblemCategory[], w: Where, errors: readonly FieldError[]): SafeHtml {
  const text = (key: 'address' | 'lat' | 'long', label: string, hint: string, width: string): SafeHtml => html`<div class="${groupClass(errors, key)}">
<label class="govuk-label" for="${key}">${label}</label>
<div id="${key}-hint" class="govuk-hint">${hint}</div>
${errorOf(errors, key)}<input class="govuk-input ${width}" id="${key}" name="${key}" type="text" spellcheck="false" value="${w[key]}" aria-describedby="${key}-hint">
</div>`;
  return html`<h1 class="govuk-heading-l">${t('report.title')}</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">${t('report.intro')}</p>
<form method="get" action="/report-a-problem/details" novalidate>
<div class="${groupClass(errors, 'category')}">
<fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('report.kind')}</legend>
${errorOf(errors, 'category')}<div class="govuk-radios" data-module="govuk-radios">
${categories.map((c) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="category-${c.code}" name="category" type="radio" value="${c.code}"${c.code === w.category ? html` checked` : html``} aria-describedby="category-${c.code}-hint">
<label class="govuk-label govuk-radios__label" for="category-${c.code}">${c.name}</label>
<div id="category-${c.code}-hint" class="govuk-hint govuk-radios__hint">${c.description}</div>
</div>
`)}<div class="govuk-radios__divider">${t('report.or')}</div>
<div class="govuk-radios__item">
<input class="govuk-radios__input" id="category-${UNKNOWN}" name="category" type="radio" value="${UNKNOWN}"${w.category === UNKNOWN ? html` checked` : html``} aria-describedby="category-${UNKNOWN}-hint">
<label class="govuk-label govuk-radios__label" for="category-${UNKNOWN}">${t('report.unknown')}</label>
<div id="category-${UNKNOWN}-hint" class="govuk-hint govuk-radios__hint">${t('report.unknownHint')}</div>
</div>
</div>
</fieldset>
</div>
<h2 class="govuk-heading-m">${t('report.where')}</h2>
${text('address', t('report.address'), t('report.addressHint'), 'govuk-!-width-full')}
<p class="govuk-body">${t('report.coordinates')}</p>
${text('lat', t('report.lat'), t('report.example', { example: '51.5014' }), 'govuk-input--width-10')}
${text('long', t('report.long'), t('report.example', { example: '-0.1419' }), 'govuk-input--width-10')}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('report.continue')}</button>
</form>`;
}

function attributeField(a: CategoryAttribute, body: FormBody): SafeHtml {
  const name = a.datatype === 'multivaluelist' ? `attribute[${a.code}][]` : `attribute[${a.code}]`;
  const id = `attribute-${a.code}`;
  const raw = body[name];
  const given = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const label = a.required ? a.description : t('report.optional', { label: a.description });
  if (!a.variable) return html`<div class="govuk-inset-text">${a.description}</div>`;
  if (a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') {
    const kind = a.datatype === 'singlevaluelist' ? 'radios' : 'checkboxes';
    return html`<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${label}</legend>
<div class="govuk-${kind}">
${(a.values ?? []).map((v, i) => html`<div class="govuk-${kind}__item"><input class="govuk-${kind}__input" id="${id}${i === 0 ? '' : `-${i}`}" name="${name}" type="${kind === 'radios' ? 'radio' : 'checkbox'}" value="${v.key}"${given.includes(v.key) ? html` checked` : html``}>
<label class="govuk-label govuk-${kind}__label" for="${id}${i === 0 ? '' : `-${i}`}">${v.name}</label></div>
`)}</div></fieldset></div>`;
  }
  if (a.datatype === 'text') return html`<div class="govuk-form-group"><label class="govuk-label" for="${id}">${label}</label><textarea class="govuk-textarea" id="${id}" name="${name}" rows="3">${given[0] ?? ''}</textarea></div>`;
  return html`<div class="govuk-form-group"><label class="govuk-label" for="${id}">${label}</label>${a.datatypeDescription ? html`<div class="govuk-hint" id="${id}-hint">${a.datatypeDescription}</div>` : html``}<input class="govuk-input" id="${id}" name="${name}" type="text" value="${given[0] ?? ''}"${a.datatypeDescription ? html` aria-describedby="${id}-hint"` : html``}></div>`;
}

function detailsForm(category: ProblemCategory | null, w: Where, body: FormBody, csrf: string, errors: readonly FieldError[], nearby: readonly (store.ReportView & { distanceMetres: number })[]): SafeHtml {
  return html`<a href="/report-a-problem?category=${encodeURIComponent(w.category)}" class="govuk-back-link">${t('layout.back')}</a>
<h1 class="govuk-heading-l">${category?.name ?? t('report.describe')}</h1>
${renderErrorSummary(errors)}
${nearby.length > 0 ? html`<div class="govuk-inset-text"><h2 class="govuk-heading-m">${t('report.nearby.title')}</h2>
<p class="govuk-body">${t('report.nearby.text')}</p>
<ul class="govuk-list">${nearby.map((r) => html`<li><a class="govuk-link" href="/reports/${String(r.id)}">${t('report.number', { id: String(r.id) })}</a>: ${t('report.nearby.item', { address: r.address ?? '', metres: r.distanceMetres, day: r.requestedAt.slice(0, 10) })}</li>`)}</ul></div>` : html``}
<form method="post" action="/report-a-problem" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="category" value="${w.category}">
<input type="hidden" name="address" value="${w.address}">
<input type="hidden" name="lat" value="${w.lat}">
<input type="hidden" name="long" value="${w.long}">
<div class="${groupClass(errors, 'description')}">
<label class="govuk-label govuk-label--m" for="description">${t('report.describe')}</label>
<div id="description-hint" class="govuk-hint">${t('report.describeHint')}${category ? '' : ` ${t('report.describeHintUnknown')}`}</div>
${errorOf(errors, 'description')}<textarea class="govuk-textarea" id="description" name="description" rows="5" aria-describedby="description-hint">${formText(body, 'description')}</textarea>
</div>
${category ? category.attributes.map((a) => attributeField(a, body)) : html``}
<div class="${groupClass(errors, 'photo')}">
<label class="govuk-label govuk-label--m" for="photo">${t('report.photo')}</label>
<div id="photo-hint" class="govuk-hint">${t('report.photoHint')}</div>
${errorOf(errors, 'photo')}<input class="govuk-file-upload" id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp" aria-describedby="photo-hint">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('report.send')}</button>
</form>`;
}

export interface ReportPageOptions {
  readonly engagement: Engagement;
  readonly logger: Logger;
}

export function registerReportPages(options: ReportPageOptions): (server: FastifyInstance) => Promise<void> {
  const { engagement } = options;
  const { db, categories } = engagement;
  const citizenOf = (request: FastifyRequest): { id: string; name: string } | null => (request.principal?.kind === 'citizen' ? request.principal : null);
  const send = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200, hasErrors = false): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({ title, content, citizen: citizenOf(request)?.name ?? null, csrfToken: request.csrfToken, hasErrors, app: true }).value);
  const signInFirst = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (citizenOf(request)) return false;
    void redirectToSignIn(reply, 'citizen', request, '/report-a-problem');
    return true;
  };

  const details = async (request: FastifyRequest, reply: FastifyReply, w: Where, body: FormBody, errors: FieldError[]): Promise<FastifyReply> => {
    const found = categories.find((c) => c.code === w.category);
    const category = found ? localised(found) : null;
    const nearby = category && w.lat !== '' ? await store.nearbyOpenReports(db, { jurisdictionId: engagement.jurisdictions[0]!, serviceCode: category.code, lat: Number(w.lat), long: Number(w.long), radiusMetres: NEARBY_METRES, limit: 5 }) : [];
    return send(request, reply, category?.name ?? t('report.describe'), detailsForm(category, w, body, request.csrfToken, errors, nearby), errors.length > 0 ? 400 : 200, errors.length > 0);
  };

  return async (server: FastifyInstance) => {
    await server.register(async (scope) => {
      // The citizen's status pages carry the installable app (the service worker keeps them for reading offline).
      await scope.register(htmlPageEdge, {
        app: true, formBodyLimit: 64 * 1024, multipart: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 50, fieldSize: 8 * 1024, parts: 60, headerPairs: 100 },
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, status), log: options.logger, home: { href: '/report-a-problem', get label() { return t('report.home'); } } },
      });
      scope.get('/report-a-problem', async (request, reply) => {
        if (signInFirst(request, reply)) return reply;
        return send(request, reply, t('report.title'), whereForm(categories.map(localised), whereOf(request.query as Params), []));
      });
      scope.get('/report-a-problem/details', async (request, reply) => {
        if (signInFirst(request, reply)) return reply;
        const w = whereOf(request.query as Params);
        const errors = checkWhere(categories, w);
        if (errors.length > 0) return send(request, reply, t('report.title'), whereForm(categories.map(localised), w, errors), 400, true);
        return details(request, reply, w, {}, []);
      });
      scope.post('/report-a-problem', async (request, reply) => {
        if (signInFirst(request, reply)) return reply;
        const citizen = citizenOf(request)!;
        const body = formBody(request);
        const w = whereOf(body);
        const whereErrors = checkWhere(categories, w);
        if (whereErrors.length > 0) return send(request, reply, t('report.title'), whereForm(categories.map(localised), w, whereErrors), 400, true);
        const errors: FieldError[] = [];
        const description = formText(body, 'description').trim();
        if (description === '') errors.push({ key: 'description', anchor: 'description', message: t('report.describe') });
        const photo = await photoOf(request, errors);
        // Not knowing the kind: the classifier's best guess files it (marked as a guess for triage); the guessed
        // category's questions were not asked, so none of them is required.
        const guessed = w.category === UNKNOWN && description !== '' ? (await engagement.triage.guess(description))[0]!.category : null;
        const serviceCode = guessed ?? w.category;
        const rules = guessed ? categories.map((c) => (c.code === guessed ? { ...c, attributes: c.attributes.map((a) => ({ ...a, required: false })) } : c)) : categories;
        const params: Record<string, string | readonly string[]> = { ...body, service_code: serviceCode, description, ...(w.lat !== '' ? { lat: w.lat, long: w.long } : {}), ...(w.address !== '' ? { address_string: w.address } : {}) };
        for (const k of ['csrf', 'category', 'address']) delete params[k];
        let parsed: ReturnType<typeof parseServiceRequest> | null = null;
        // (An empty description leaves nothing to guess from: its error alone is shown.)
        if (serviceCode !== UNKNOWN) try {
          parsed = parseServiceRequest(params, rules);
        } catch (error) {
          if (!(error instanceof Open311Failure)) throw error;
          for (const e of error.errors) errors.push({ key: 'attributes', anchor: 'description', message: attributeMessage(e, categories.find((c) => c.code === serviceCode)) });
        }
        if (errors.length > 0 || !parsed) return details(request, reply, w, body, errors);
        const r = parsed.request;
        const created = await engagement.submitReport({
          serviceCode: r.serviceCode, description: r.description, lat: r.lat, long: r.long, address: r.addressString, addressId: null, zipcode: null,
          contact: {}, mediaUrl: null, attributes: r.attributes, channel: 'web', clientId: null, citizenId: citizen.id, categoryGuessed: guessed !== null,
        }, photo ?? undefined);
        return reply.redirect(`/reports/${created.id}`, 303);
      });
      scope.get('/reports/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const report = await reportOr404((request.params as { id: string }).id);
        const own = citizenOf(request)?.id === report.citizenId;
        // A merged report's reporter follows the main one: its status and news are shown here.
        const main = report.mergedInto !== null ? await store.getReport(db, null, report.mergedInto) : null;
        return send(request, reply, t('report.number', { id: String(report.id) }), statusPage(engagement, report, own, main));
      });
      scope.get('/reports/:id/photo', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const id = (request.params as { id: string }).id;
        const photo = /^\d{1,15}$/.test(id) ? await store.readPhoto(db, Number(id)) : null;
        if (!photo) throw pageNotFound(t('report.noPhoto'));
        return reply.type(photo.mediaType).header('cache-control', 'public, max-age=86400').header('content-security-policy', "default-src 'none'").send(photo.bytes);
      });
    });
  };

  async function reportOr404(id: string): Promise<store.ReportView> {
    const report = /^\d{1,15}$/.test(id) ? await store.getReport(db, null, Number(id)) : null;
    if (!report) throw pageNotFound(t('report.notFound'));
    return report;
  }
}

async function photoOf(request: FastifyRequest, errors: FieldError[]): Promise<{ mediaType: string; bytes: Buffer; sha256: string } | null> {
  const file = formFiles(request).find((f) => f.field === 'photo' && (f.bytes.length > 0 || f.filename !== ''));
  if (!file) return null;
  if (file.truncated || file.bytes.length > MAX_PHOTO_BYTES) {
    errors.push({ key: 'photo', anchor: 'photo', message: t('report.error.photoSize') });
    return null;
  }
  const type = file.bytes.length > 0 ? await fileTypeFromBuffer(file.bytes).catch(() => undefined) : undefined;
  if (!type || !PHOTO_TYPES.has(type.mime)) {
    errors.push({ key: 'photo', anchor: 'photo', message: t('report.error.photoType') });
    return null;
  }
  return { mediaType: type.mime, bytes: file.bytes, sha256: createHash('sha256').update(file.bytes).digest('hex') };
}

function mergedNote(engagement: Engagement, main: store.ReportView): SafeHtml {
  const expected = main.status === 'open' ? engagement.expectedAt(main.requestedAt) : null;
  const [mergedBefore = '', mergedAfter = ''] = t('report.merged.text', { link: '\u0000' }).split('\u0000');
  return html`<div class="govuk-notification-banner" role="region" aria-labelledby="merged-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="merged-title">${t('report.merged.title')}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${mergedBefore}<a class="govuk-notification-banner__link" href="/reports/${String(main.id)}">${t('report.merged.link', { id: String(main.id) })}</a>${mergedAfter}</p>
<p class="govuk-body">${t(main.status === 'closed' ? 'report.merged.closed' : 'report.merged.open', { id: String(main.id), news: main.statusNotes ?? t('report.notLookedAt') })}${expected ? ` ${t('report.merged.expected', { day: formatDay(expected.slice(0, 10)) })}` : ''}</p></div></div>`;
}

function statusPage(engagement: Engagement, r: store.ReportView, own: boolean, main: store.ReportView | null = null): SafeHtml {
  const found = engagement.categories.find((c) => c.code === r.serviceCode);
  const category = found ? localised(found) : undefined;
  const row = (key: string, value: SafeHtml | string): SafeHtml => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
  return html`${own ? html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('report.number', { id: String(r.id) })}</h1><div class="govuk-panel__body">${t('report.thanks')}</div></div>` : html`<h1 class="govuk-heading-l">${t('report.number', { id: String(r.id) })}</h1>`}
${main ? mergedNote(engagement, main) : html``}<dl class="govuk-summary-list">
${row(t('report.row.problem'), r.categoryGuessed ? t('report.guessed', { category: category?.name ?? r.serviceCode }) : category?.name ?? r.serviceCode)}
${row(t('report.row.status'), html`<strong class="govuk-tag${r.status === 'closed' ? ' govuk-tag--grey' : ''}">${r.status === 'closed' ? t('report.status.closed') : t('report.status.open')}</strong>`)}
${row(t('report.row.news'), r.statusNotes ?? t('report.notLookedAtYet'))}
${row(t('report.row.where'), [r.address ?? '', r.lat !== null ? ` (${String(r.lat)}, ${String(r.long)})` : ''].join(''))}
${row(t('report.row.description'), r.description)}
${row(t('report.row.reported'), formatDateTime(r.requestedAt))}
${r.status === 'open' && engagement.expectedAt(r.requestedAt) ? row(t('report.row.expected'), formatDay(engagement.expectedAt(r.requestedAt)!.slice(0, 10))) : html``}
</dl>
${r.mediaUrl ? html`<p class="govuk-body"><a class="govuk-link" href="${r.mediaUrl}">${t('report.seePhoto')}</a></p>` : html``}
${own && r.status === 'closed' ? html`<p class="govuk-body"><a class="govuk-link" href="/feedback?about=report:${String(r.id)}">${t('report.feedback')}</a></p>` : html``}
<p class="govuk-body"><a class="govuk-link" href="/report-a-problem">${t('report.another')}</a></p>`;
}
