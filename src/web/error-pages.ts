import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

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

const HOME = html`<p class="govuk-body"><a class="govuk-link" href="/">Go to the list of services</a></p>`;

function content(status: number, reference: string, message?: string): { title: string; body: SafeHtml } {
  if (message && status >= 400 && status < 500 && status !== 404) {
    return { title: 'There is a problem with your request', body: html`<p class="govuk-body">${message}</p><p class="govuk-body">If you contact us about this, quote the reference <strong>${reference}</strong>.</p>${HOME}` };
  }
  switch (status) {
    case 404:
      return { title: 'Page not found', body: html`<p class="govuk-body">If you typed the web address, check it is correct.</p><p class="govuk-body">If you pasted the web address, check you copied the entire address.</p>${HOME}` };
    case 413:
      return { title: 'What you sent is too large', body: html`<p class="govuk-body">The form or file you sent is larger than we can accept. Go back and send a smaller file, or fewer files at once.</p>${HOME}` };
    case 414:
      return { title: 'The web address is too long', body: html`<p class="govuk-body">Check the web address, or start again from the list of services.</p>${HOME}` };
    default:
      if (status < 500) return { title: 'There is a problem with your request', body: html`<p class="govuk-body">Go back and try again.</p><p class="govuk-body">If you contact us about this, quote the reference <strong>${reference}</strong>.</p>${HOME}` };
      return { title: 'Sorry, there is a problem with the service', body: html`<p class="govuk-body">Try again later. Anything you already sent us has been saved.</p><p class="govuk-body">If you contact us about this, quote the reference <strong>${reference}</strong>.</p>${HOME}` };
  }
}

/** The whole HTML document for an error status, in the site's layout. */
export function errorPageDocument(status: number, reference: string, message?: string): string {
  const { title, body } = content(status, reference, message);
  return page({ title, content: html`<h1 class="govuk-heading-l">${title}</h1>${body}` }).toString();
}
