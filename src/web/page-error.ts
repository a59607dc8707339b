import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GovflowError, isGovflowError, toGovflowError, type ErrorCode, type Logger } from '../kernel/index.js';
import { html, type SafeHtml } from './html.js';
import { t } from '../i18n/index.js';

/**
 * The one error class of the HTML pages: a status, a title and a sentence for the person. Thrown anywhere in a page
 * handler (or a hook, such as the CSRF check); the area's HTML error handler renders it in the area's layout. It is a
 * GovflowError, so a route without an HTML handler (the JSON API's root handler) still answers with its status.
 */
export class PageError extends GovflowError {
  override readonly status: number;

  constructor(status: number, readonly title: string, readonly body: string) {
    super(codeOfStatus(status), `${title}: ${body}`);
    this.status = status;
  }
}

function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 401: return 'GOVFLOW_ERR_UNAUTHENTICATED';
    case 403: return 'GOVFLOW_ERR_FORBIDDEN';
    case 404: return 'GOVFLOW_ERR_NOT_FOUND';
    case 409: return 'GOVFLOW_ERR_CONFLICT';
    case 413: return 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE';
    case 415: return 'GOVFLOW_ERR_UPLOAD_TYPE';
    default: return 'GOVFLOW_ERR_VALIDATION';
  }
}

/** The page every area shows when a form's CSRF token is missing or wrong (the session expired, or a forged post). */
export const sessionExpired = (): PageError => new PageError(403, t('error.sessionExpired'), t('error.sessionExpiredText'));
export const pageNotFound = (body = t('error.typedAddress')): PageError => new PageError(404, t('error.notFound'), body);

export interface HtmlErrorOptions {
  /** Renders a page in the area's layout (navigation, signed-in name) with the given status. */
  readonly render: (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status: number) => FastifyReply | Promise<FastifyReply>;
  readonly log: Logger;
  /** The link under every error page (the area's home). */
  readonly home: { readonly href: string; readonly label: string };
  /** Show the coded message of a user error (staff pages); the citizen portal says only "go back and try again". */
  readonly userMessages?: boolean;
  /** Said under a server error (the portal reassures citizens their answers were saved). */
  readonly bugHint?: string;
  /** Called before rendering (an area forgets per-reply state, e.g. a relaxed CSP). */
  readonly onError?: (reply: FastifyReply) => void;
}

/**
 * The one HTML error handler: a {@link PageError} as itself; Fastify's own refusals (invalid params, body too large,
 * unsupported media type) and coded user errors as "There is a problem" with their 4xx status; anything else as a
 * 500 with a reference into the log, never a stack trace.
 */
export function htmlErrorHandler(options: HtmlErrorOptions): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (error, request, reply) => {
    // Made per error: the label is read in the reader's language (an area may give a getter).
    const home = html`<p class="govuk-body"><a class="govuk-link" href="${options.home.href}">${options.home.label}</a></p>`;
    options.onError?.(reply);
    const render = (title: string, content: SafeHtml, status: number): FastifyReply | Promise<FastifyReply> => options.render(request, reply, title, content, status);
    if (error instanceof PageError) return render(error.title, html`<h1 class="govuk-heading-l">${error.title}</h1><p class="govuk-body">${error.body}</p>${home}`, error.status);
    const fastifyStatus = (error as { statusCode?: number }).statusCode;
    if (!isGovflowError(error) && fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500) {
      const what = fastifyStatus === 413 ? t('error.tooLarge') : error.validation ? t('error.notValid') : t('error.unreadable');
      const title = t('error.badRequestTitle');
      return render(title, html`<h1 class="govuk-heading-l">${title}</h1><p class="govuk-body">${what} ${t('error.goBack')}</p>${home}`, fastifyStatus);
    }
    const coded = isGovflowError(error) ? error : toGovflowError(error);
    if (coded.kind === 'user') {
      const title = options.userMessages ? t('form.problem') : t('error.badRequestTitle');
      return render(title, html`<h1 class="govuk-heading-l">${title}</h1><p class="govuk-body">${options.userMessages ? coded.message : t('error.goBack')}</p><p class="govuk-body">${t('error.quote')} <strong>${request.id}</strong></p>${home}`, coded.status);
    }
    options.log.error({ err: error, reference: request.id, url: request.url }, 'page request failed');
    const title = t('error.serviceProblem');
    return render(title, html`<h1 class="govuk-heading-l">${title}</h1><p class="govuk-body">${t('error.tryLater')}${options.bugHint ? ` ${options.bugHint}` : ''}</p><p class="govuk-body">${t('error.quote')} <strong>${request.id}</strong></p>${home}`, 500);
  };
}
