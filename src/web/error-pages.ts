import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { t } from '../i18n/index.js';

/**
 * The server-wide error pages: what a person's browser gets for an address no area answers (404), a body or address
 * too large (413, 414) or a failure outside every area's own handler (5xx) — always a page in the site's layout,
 * never the JSON the API answers with. The API (`/api/…`), machine addresses (`/.well-known/…`, `*.json`) and
 * clients that ask for JSON keep their JSON.
 */
export function isPageAddress(url: string, accept: string | undefined): boolean {
  const path = url.split('?')[0] ?? '';
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/.well-known/') || path === '/metrics' || /\.(json|xml)$/.test(path)) return false;
  // A client that asks for JSON (or XML) and not HTML is a program, whatever the address.
  const wants = (accept ?? '').toLowerCase();
  return wants.includes('html') || !/json|xml/.test(wants);
}

function content(status: number, reference: string, message?: string): { title: string; body: SafeHtml } {
  const HOME = html`<p class="govuk-body"><a class="govuk-link" href="/">${t('error.home')}</a></p>`;
  const quote = html`<p class="govuk-body">${t('error.quote')} <strong>${reference}</strong></p>`;
  if (message && status >= 400 && status < 500 && status !== 404) {
    return { title: t('error.badRequestTitle'), body: html`<p class="govuk-body">${message}</p>${quote}${HOME}` };
  }
  switch (status) {
    case 404:
      return { title: t('error.notFound'), body: html`<p class="govuk-body">${t('error.typedAddress')}</p><p class="govuk-body">${t('error.pastedAddress')}</p>${HOME}` };
    case 413:
      return { title: t('error.tooLargeTitle'), body: html`<p class="govuk-body">${t('error.tooLargeText')}</p>${HOME}` };
    case 414:
      return { title: t('error.longAddress'), body: html`<p class="govuk-body">${t('error.longAddressText')}</p>${HOME}` };
    default:
      if (status < 500) return { title: t('error.badRequestTitle'), body: html`<p class="govuk-body">${t('error.goBack')}</p>${quote}${HOME}` };
      return { title: t('error.serviceProblem'), body: html`<p class="govuk-body">${t('error.tryLater')} ${t('error.saved')}</p>${quote}${HOME}` };
  }
}

/** The whole HTML document for an error status, in the site's layout. */
export function errorPageDocument(status: number, reference: string, message?: string): string {
  const { title, body } = content(status, reference, message);
  return page({ title, content: html`<h1 class="govuk-heading-l">${title}</h1>${body}` }).toString();
}
