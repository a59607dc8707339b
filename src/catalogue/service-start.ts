import { html, type SafeHtml } from '../web/index.js';
import type { Service } from './catalogue.js';
import { t } from '../i18n/index.js';

/**
 * A service's start page as citizens read it: the portal serves it at `/services/:id`, and the admin pages show a
 * draft through the same function ("preview as a citizen"), so a preview cannot drift from the real page.
 * `measured` is the portal's sentence on measured processing times (none in a preview); `startHref` null shows
 * the start button as text (a preview must not start an application).
 */
export function serviceStartContent(svc: Pick<Service, 'id' | 'title' | 'description' | 'whoCanApply' | 'documentsNeeded' | 'fee' | 'expectedTime' | 'department'>, measured: string | null, startHref: string | null = `/services/${svc.id}/apply`): SafeHtml {
  const list = (items: readonly string[]): SafeHtml => html`<ul class="govuk-list govuk-list--bullet">${items.map((i) => html`<li>${i}</li>`)}</ul>`;
  const startIcon = html`<svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg>`;
  return html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-xl">${svc.title}</h1>
${svc.description.map((p) => html`<p class="govuk-body">${p}</p>`)}
<h2 class="govuk-heading-m">${t('start.whoCanApply')}</h2>
${list(svc.whoCanApply)}
<h2 class="govuk-heading-m">${t('start.whatYouNeed')}</h2>
${list(svc.documentsNeeded)}
<h2 class="govuk-heading-m">${t('start.fee')}</h2>
<p class="govuk-body">${svc.fee}</p>
<h2 class="govuk-heading-m">${t('start.howLong')}</h2>
<p class="govuk-body">${svc.expectedTime}</p>
${measured ? html`<p class="govuk-body" id="measured-time">${measured}</p>` : ''}
${startHref ? html`<a href="${startHref}" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">${t('start.startNow')}${startIcon}</a>` : html`<p class="govuk-body govuk-!-font-weight-bold">${t('start.startNowPreview')}</p>`}
<p class="govuk-body">${t('start.saved')}</p>
</div>
<div class="govuk-grid-column-one-third">
<aside class="govuk-!-margin-top-6" aria-labelledby="responsible">
<h2 class="govuk-heading-s" id="responsible">${t('start.department')}</h2>
<p class="govuk-body-s">${svc.department}</p>
</aside>
</div></div>`;
}
