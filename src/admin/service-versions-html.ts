import { daysHoursOf, slaTaskField, type Service, type ServiceFieldError, type ServiceFields, type ServiceVersionRow, type ServiceVersionState } from '../catalogue/index.js';
import { t } from '../i18n/index.js';
import { html, type HtmlValue, type SafeHtml } from '../web/index.js';
import { fieldError, formatDate, groupClass } from './admin-context.js';

/**
 * The pieces of the service pages that the edit page and the review page share (service-routes.ts,
 * publishing-routes.ts): the SLA typed as days and hours, the versions with their state in the publishing
 * workflow, and which fields a version changes.
 */

export const successBanner = (heading: string, more: HtmlValue = ''): SafeHtml => html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="saved-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="saved-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${heading}</p>${more ? html`<p class="govuk-body">${more}</p>` : ''}</div></div>`;

/** The days and hours fields' values of a stored duration; one the form cannot show stays empty (and is kept). */
export function slaValues(field: string, iso: string | undefined): Record<string, string> {
  if (iso === undefined || iso === '') return { [`${field}-days`]: '', [`${field}-hours`]: '' };
  const dh = daysHoursOf(iso);
  return { [`${field}-days`]: dh ? String(dh.days) : '', [`${field}-hours`]: dh ? String(dh.hours) : '' };
}

/** "10 days and 4 hours": an SLA as the pages say it. */
export function describeDuration(iso: string | undefined): string {
  if (iso === undefined || iso === '') return t('admin.sla.none');
  const dh = daysHoursOf(iso);
  if (!dh) return iso;
  if (dh.days > 0 && dh.hours > 0) return t('admin.sla.daysAndHours', { days: dh.days, hours: dh.hours });
  return dh.days > 0 ? t('admin.sla.days', { days: dh.days }) : t('admin.sla.hours', { hours: dh.hours });
}

function durationGroup(field: string, legend: string, values: Record<string, string>, errors: readonly ServiceFieldError[], current: string | undefined): SafeHtml {
  const error = errors.find((e) => e.field === `${field}-days`);
  const shown = current !== undefined && current !== '' && daysHoursOf(current) === null;
  const hint = shown ? t('admin.sla.notWhole', { current }) : t('admin.sla.hint');
  const box = (unit: 'days' | 'hours', label: string): SafeHtml => html`<div class="govuk-date-input__item"><div class="govuk-form-group"><label class="govuk-label govuk-date-input__label" for="${field}-${unit}">${label}</label><input class="govuk-input govuk-date-input__input govuk-input--width-4${error ? ' govuk-input--error' : ''}" id="${field}-${unit}" name="${field}-${unit}" type="text" value="${values[`${field}-${unit}`] ?? ''}" inputmode="numeric"></div></div>`;
  return html`<div class="${groupClass(errors, `${field}-days`)}"><fieldset class="govuk-fieldset" aria-describedby="${field}-hint${error ? ` ${field}-days-error` : ''}"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${legend}</legend><div id="${field}-hint" class="govuk-hint">${hint}</div>${fieldError(errors, `${field}-days`)}<div class="govuk-date-input">${box('days', t('admin.sla.daysLabel'))}${box('hours', t('admin.sla.hoursLabel'))}</div></fieldset></div>`;
}

/** The SLA of a service as days and hours: the whole case, then each task the service gives a deadline. */
export function slaInputs(service: Service, values: Record<string, string>, errors: readonly ServiceFieldError[]): SafeHtml {
  return html`${durationGroup('sla-case', service.sla ? t('admin.sla.wholeCase') : t('admin.sla.wholeCaseOptional'), values, errors, service.sla?.case)}
${Object.entries(service.sla?.tasks ?? {}).map(([elementId, iso]) => durationGroup(slaTaskField(elementId), t('admin.sla.task', { task: elementId }), values, errors, iso))}`;
}

const STATE_TAGS: Record<ServiceVersionState, () => SafeHtml> = {
  'published': () => html`<strong class="govuk-tag govuk-tag--green">${t('admin.state.published')}</strong>`,
  'awaiting-review': () => html`<strong class="govuk-tag govuk-tag--yellow">${t('admin.state.awaitingReview')}</strong>`,
  'returned': () => html`<strong class="govuk-tag govuk-tag--red">${t('admin.state.returned')}</strong>`,
  'replaced': () => html`<strong class="govuk-tag govuk-tag--grey">${t('admin.state.replaced')}</strong>`,
};
export const stateTag = (state: ServiceVersionState): SafeHtml => STATE_TAGS[state]();

/** "Approved 6 December 2026 at 09:40 CET by staff:ada: note" of a reviewed version. */
export function reviewText(review: { readonly decision: string; readonly at?: string; readonly actor: string; readonly note?: string | null }): string {
  const values = { at: review.at ? formatDate(review.at) : '', actor: review.actor };
  const said = review.decision === 'approved' ? t(review.at ? 'admin.review.approvedAt' : 'admin.review.approved', values) : t(review.at ? 'admin.review.returnedAt' : 'admin.review.returned', values);
  return review.note ? t('admin.review.withNote', { said, note: review.note }) : said;
}

/** The history of a service's text: each version, its state, who saved and who reviewed it. */
export function versionTable(service: Pick<Service, 'id'>, versions: readonly ServiceVersionRow[]): SafeHtml {
  if (versions.length === 0) return html`<p class="govuk-body">${t('admin.versions.none', { dir: `services/${service.id}/` })}</p>`;
  return html`<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">${t('admin.versions.caption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.processes.version')}</th><th scope="col" class="govuk-table__header">${t('admin.versions.state')}</th><th scope="col" class="govuk-table__header">${t('admin.versions.saved')}</th><th scope="col" class="govuk-table__header">${t('admin.versions.reviewed')}</th></tr></thead>
<tbody class="govuk-table__body">${versions.map((v) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/services/${service.id}/versions/${v.version}">${t('admin.common.version', { version: String(v.version) })}</a></td><td class="govuk-table__cell">${stateTag(v.state)}</td><td class="govuk-table__cell">${t('admin.versions.savedRow', { version: String(v.version), at: formatDate(v.createdAt), actor: v.actor ?? t('admin.common.unknown') })}</td><td class="govuk-table__cell">${v.review ? reviewText(v.review) : v.draft ? '' : t('admin.versions.publishedWhenSaved')}</td></tr>`)}</tbody></table>`;
}

/** Each field's text as the review page compares it. */
export function fieldTexts(f: ServiceFields): Record<string, string> {
  return {
    'title': f.title, 'summary': f.summary, 'description': f.description.join('\n\n'), 'whoCanApply': f.whoCanApply.join('\n'), 'documentsNeeded': f.documentsNeeded.join('\n'),
    'fee': f.fee, 'expectedTime': f.expectedTime, 'department': f.department, 'sla-case': describeDuration(f.sla?.case),
    ...Object.fromEntries(Object.entries(f.sla?.tasks ?? {}).map(([k, v]) => [slaTaskField(k), describeDuration(v)])),
  };
}

/** The names of the fields `after` changes (the events' `changed`). */
export function changedFields(before: ServiceFields, after: ServiceFields): string[] {
  const a = fieldTexts(before);
  const b = fieldTexts(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
}

/** The plain-language fields of a service's form, the same on the create and the edit page (`input`, `area` draw one). */
export function serviceTextFields(input: (name: string, label: string, hint?: string) => SafeHtml, area: (name: string, label: string, hint: string) => SafeHtml): SafeHtml {
  return html`${input('title', t('admin.field.title'))}
${input('summary', t('admin.field.summary'), t('admin.field.summaryHint'))}
${area('description', t('admin.field.description'), t('admin.field.descriptionHint'))}
${area('whoCanApply', t('admin.field.whoCanApply'), t('admin.field.oneALine'))}
${area('documentsNeeded', t('admin.field.documentsNeeded'), t('admin.field.oneALine'))}
${input('fee', t('admin.field.fee'))}
${input('expectedTime', t('admin.field.expectedTime'))}
${input('department', t('admin.field.department'))}`;
}
