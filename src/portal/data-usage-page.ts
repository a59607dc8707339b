import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { messageKeys, t, type MessageKey } from '../i18n/index.js';
import { describeAction, describePurpose, type Privacy } from '../privacy/index.js';
import { formatDateTime, html, type HtmlValue, type SafeHtml } from '../web/index.js';

/**
 * Serves "Who has seen my data" (`/my-data`) and the citizen's data download (`/my-data/download`).
 */

/** What the portal gives these pages: its session (who is signed in) and its page sender (layout, headers). */
export interface DataUsagePageOptions {
  readonly privacy: Pick<Privacy, 'listAccess' | 'exportPersonData'>;
  /** The signed-in citizen's person id, or null after redirecting to sign-in. */
  readonly citizen: (request: FastifyRequest, reply: FastifyReply) => Promise<string | null>;
  readonly send: (request: FastifyRequest, reply: FastifyReply, title: string, content: HtmlValue) => Promise<FastifyReply>;
  /** How a row names the application it is about: a link to its status page with the service's name. */
  readonly nameCase?: (reference: string) => SafeHtml | string;
}

export const USAGE_PAGE_SIZE = 25;
const PAGE = /^[1-9]\d{0,5}$/;

// The access log's action and purpose codes the reader's language has words for; any other code is shown in the
// privacy module's readable form of it (an organisation's own code is its data).
const KNOWN = new Set<string>(messageKeys());
const inWords = (prefix: string, code: string, fallback: (code: string) => string): string => {
  const key = `${prefix}${code.toLowerCase()}`;
  return KNOWN.has(key) ? t(key as MessageKey) : fallback(code);
};


/**
 * "Who has seen my data": the signed-in citizen's access log in plain language, newest first, 25 to a page, and
 * the download of everything govflow holds about them. The pages live in the portal (its layout and session); the
 * data comes from src/privacy.
 */
export function registerDataUsagePages(server: FastifyInstance, options: DataUsagePageOptions): void {
  server.get('/my-data', async (request, reply) => {
    const person = await options.citizen(request, reply);
    if (!person) return reply;
    const raw = (request.query as Record<string, unknown> | undefined)?.['page'];
    // A page number that is not a whole number is treated as the first page rather than an error: it comes from a link.
    const pageNo = typeof raw === 'string' && PAGE.test(raw) ? Number(raw) : 1;
    const { total, entries } = await options.privacy.listAccess(person, { offset: (pageNo - 1) * USAGE_PAGE_SIZE, limit: USAGE_PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(total / USAGE_PAGE_SIZE));
    const rows: SafeHtml[] = entries.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${formatDateTime(e.logtime)}</td><td class="govuk-table__cell">${e.receiverName}</td><td class="govuk-table__cell">${inWords('dataUsage.action.', e.action, describeAction)}</td><td class="govuk-table__cell">${inWords('dataUsage.purpose.', e.purpose, describePurpose)}</td><td class="govuk-table__cell">${e.reference ? (options.nameCase?.(e.reference) ?? e.reference) : t('dataUsage.notOneApplication')}</td></tr>
`);
    const pager = pages > 1 ? html`<nav class="govuk-pagination" aria-label="${t('dataUsage.pages')}">
${pageNo > 1 ? html`<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="/my-data?page=${String(pageNo - 1)}" rel="prev"><span class="govuk-pagination__link-title">${t('dataUsage.newer')}</span></a></div>` : ''}
<p class="govuk-body govuk-!-margin-bottom-0">${t('dataUsage.pageOf', { page: Math.min(pageNo, pages), pages })}</p>
${pageNo < pages ? html`<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/my-data?page=${String(pageNo + 1)}" rel="next"><span class="govuk-pagination__link-title">${t('dataUsage.older')}</span></a></div>` : ''}
</nav>` : '';
    return options.send(request, reply, t('dataUsage.title'), html`<h1 class="govuk-heading-l">${t('dataUsage.title')}</h1>
<p class="govuk-body">${t('dataUsage.intro')}</p>
${rows.length === 0 ? html`<p class="govuk-body">${t('dataUsage.nobody')}</p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">${t('dataUsage.caption', { total })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('dataUsage.when')}</th><th scope="col" class="govuk-table__header">${t('dataUsage.who')}</th><th scope="col" class="govuk-table__header">${t('dataUsage.what')}</th><th scope="col" class="govuk-table__header">${t('dataUsage.why')}</th><th scope="col" class="govuk-table__header">${t('dataUsage.application')}</th></tr></thead>
<tbody class="govuk-table__body">
${rows}</tbody>
</table>`}
${pager}
<h2 class="govuk-heading-m">${t('dataUsage.downloadHeading')}</h2>
<p class="govuk-body">${t('dataUsage.downloadText')}</p>
<p class="govuk-body"><a class="govuk-link" href="/my-data/download" download="my-data.json">${t('dataUsage.downloadLink')}</a></p>`);
  });

  server.get('/my-data/download', async (request, reply) => {
    const person = await options.citizen(request, reply);
    if (!person) return reply;
    const data = await options.privacy.exportPersonData(person);
    return reply
      .header('content-disposition', 'attachment; filename="my-data.json"')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });
}
