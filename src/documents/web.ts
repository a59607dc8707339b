/** Serves the signed decisions' public pages: /verify (a verification code, a JWS), the decision downloads and their assets. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createLogger, GovflowError, personalData } from '../kernel/index.js';
import { formatDay, t } from '../i18n/index.js';
import { html, htmlErrorHandler, page, readGovukAsset, SECURITY_HEADERS, useReaderLanguage, type SafeHtml } from '../web/index.js';
import type { DecisionPayload } from './decision.js';
import type { DecisionStatus, Documents, JwsVerification } from './service.js';
import { parseVerificationCode } from './verification-code.js';

/**
 * The caller as resolved by identity's `authenticate`. Documents may not depend on identity (see
 * ALLOWED_DEPENDENCIES), so the principal stays opaque here and the composition root supplies the policy.
 */
export type Authenticate = (request: FastifyRequest) => Promise<unknown>;
/** May this caller download the decision of case `reference`? (The case's applicant and the department's staff.) */
export type CanDownload = (principal: unknown, reference: string) => Promise<boolean> | boolean;

/**
 * What the public verification page shows. The holder's name is shown for permits and licences, because their
 * purpose is to be shown to others (a builder's permit on the site fence, a licence on the wall) and the verifier
 * must be able to check it belongs to the person presenting it. For benefits and other types the name is withheld:
 * that someone receives a benefit is sensitive. Reasons and details are never shown publicly; the holder has them
 * in the PDF, and `POST /api/verify` confirms every byte of a document the caller already holds.
 */
export const NAME_PUBLIC_FOR = new Set(['permit', 'licence']);

export function publicView(payload: DecisionPayload): Record<string, string> {
  return {
    issuer: payload.issuer.name,
    decisionType: payload.decisionType,
    service: payload.service,
    ...(payload.letter ? { serviceName: payload.letter.serviceName } : {}),
    reference: payload.reference,
    outcome: payload.outcome,
    issuedAt: payload.issuedAt,
    ...(payload.validFrom ? { validFrom: payload.validFrom } : {}),
    ...(payload.validUntil ? { validUntil: payload.validUntil } : {}),
    ...(NAME_PUBLIC_FOR.has(payload.decisionType) ? { holder: payload.subject.name } : {}),
  };
}

function statusJson(status: DecisionStatus | null, code: string): Record<string, unknown> {
  if (!status) return { code, status: 'unknown' };
  return {
    code: status.code, status: status.status, kid: status.kid,
    revokedAt: status.revokedAt, revokedReason: status.revokedReason, decision: publicView(status.payload),
  };
}

const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * The JSON routes, shaped like the API route table's `RouteDefinition` (the composition root passes them to
 * `createApiServer({ extraRoutes })`); access is declared on each.
 */
/**
 * `mayRevoke` (issue 13): revocation is scoped to the caller's departments; the composition root says whether the
 * principal may revoke the decision of the case with this reference. Without it only the route's roles are checked.
 */
export function documentRoutes(documents: Documents, options: { mayRevoke?: (principal: unknown, reference: string) => Promise<boolean> } = {}) {
  return [
    {
      method: 'GET' as const, url: '/.well-known/jwks.json', operationId: 'getDecisionSigningKeys', tag: 'signed decisions', status: 200 as const,
      summary: 'The public keys (JWKS, Ed25519) that sign decisions: current and every retired key, for verification forever',
      response: Type.Object({ keys: Type.Array(Type.Object({ kid: Type.String(), kty: Type.String(), crv: Type.String(), x: Type.String() }, { additionalProperties: true })) }),
      access: 'public' as const,
      handler: async () => documents.jwks(),
    },
    {
      method: 'GET' as const, url: '/api/verify/:code', operationId: 'verifyDecisionCode', tag: 'signed decisions', status: 200 as const,
      summary: 'Whether the decision with this verification code is current, revoked or unknown, with its publicly shown content',
      params: CodeParams,
      response: Type.Object({ code: Type.String(), status: Type.Union([Type.Literal('current'), Type.Literal('revoked'), Type.Literal('unknown')]) }, { additionalProperties: true }),
      access: 'public' as const,
      handler: async (input: { params: unknown }) => {
        const { code } = input.params as { code: string };
        const normal = parseVerificationCode(code);
        return statusJson(normal ? await documents.status(normal) : null, normal ?? code);
      },
    },
    {
      method: 'POST' as const, url: '/api/verify', operationId: 'verifyDecisionDocument', tag: 'signed decisions', status: 200 as const,
      summary: 'Checks a signed decision (the JWS, or the PDF as base64) against the JWKS, including retired keys, and its status',
      body: Type.Object({
        jws: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
        pdf: Type.Optional(Type.String({ minLength: 1, maxLength: 5_000_000, description: 'the PDF file, base64' })),
      }, { additionalProperties: false }),
      response: Type.Object({ valid: Type.Boolean(), reason: Type.Optional(Type.String()), status: Type.Optional(Type.String()) }, { additionalProperties: true }),
      access: 'public' as const,
      handler: async (input: { body: unknown }): Promise<JwsVerification> => {
        const body = input.body as { jws?: string; pdf?: string };
        if ((body.jws === undefined) === (body.pdf === undefined)) {
          throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'send exactly one of body.jws or body.pdf', [{ where: 'body.jws', message: 'send exactly one of jws or pdf' }]);
        }
        if (body.jws !== undefined) return documents.verifyJws(body.jws);
        if (!/^[A-Za-z0-9+/=\s]+$/.test(body.pdf!)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'body.pdf must be base64', [{ where: 'body.pdf', message: 'is not base64' }]);
        return documents.verifyPdf(Buffer.from(body.pdf!, 'base64'));
      },
    },
    {
      method: 'POST' as const, url: '/api/decisions/:code/revoke', operationId: 'revokeDecision', tag: 'signed decisions', status: 200 as const,
      summary: 'Revokes a signed decision; verification then says revoked, when and why (the reason is shown publicly)',
      params: CodeParams,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      response: Type.Object({ code: Type.String(), status: Type.String() }, { additionalProperties: true }),
      access: ['manager', 'admin'] as const,
      handler: async (input: { params: unknown; body: unknown; actor: string | null; principal: unknown }) => {
        const code = (input.params as { code: string }).code;
        const existing = options.mayRevoke ? await documents.status(code) : null;
        if (existing && options.mayRevoke && !(await options.mayRevoke(input.principal, existing.reference))) {
          throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'this decision is of a case of another department');
        }
        const revoked = await documents.revokeDecision((input.params as { code: string }).code, (input.body as { reason: string }).reason, input.actor);
        return statusJson(revoked, revoked.code);
      },
    },
  ];
}

/** A moment as its calendar day in UTC, in the reader's language. */
const day = (iso: string): string => formatDay(new Date(iso).toISOString().slice(0, 10));
const typeName = (type: string): string => (['permit', 'licence', 'benefit'].includes(type) ? t('verify.type', { type }) : type);

function row(key: string, value: string | SafeHtml): SafeHtml {
  return html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
}

function codeForm(options: { value?: string; error?: string } = {}): SafeHtml {
  const error = options.error;
  return html`<form method="get" action="/verify" novalidate>
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="code">${t('verify.title')}</label></h1>
<div id="code-hint" class="govuk-hint">${t('verify.hint', { example: 'K7QX-M2PA-9F3D' })}</div>
${error ? html`<p id="code-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error}</p>` : ''}
<input class="govuk-input govuk-input--width-20${error ? ' govuk-input--error' : ''}" id="code" name="code" type="text" spellcheck="false" autocomplete="off" value="${options.value ?? ''}" aria-describedby="code-hint${error ? ' code-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('verify.check')}</button>
</form>`;
}

function resultPage(code: string, status: DecisionStatus | null, serviceName: (id: string) => string | undefined): { title: string; content: SafeHtml } {
  if (!status) {
    return { title: t('verify.notFoundTitle'), content: html`<h1 class="govuk-heading-l">${t('verify.notFoundHeading')}</h1>
<p class="govuk-body">${t('verify.noDecision')} <strong>${code}</strong>. ${t('verify.checkCode')} <a class="govuk-link" href="/verify">${t('verify.tryAgain')}</a>.</p>
<p class="govuk-body">${t('verify.mayNotBeGenuine')}</p>` };
  }
  const p = status.payload;
  const view = publicView(p);
  const banner = status.status === 'current'
    ? html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('verify.genuine')}</h1><div class="govuk-panel__body">${t('verify.issuedNotRevoked', { issuer: p.issuer.name })}</div></div>`
    : html`<h1 class="govuk-heading-l">${t('verify.revoked')}</h1>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('verify.revokedOn', { day: day(status.revokedAt!) })} ${status.revokedReason ?? ''}</strong></div>`;
  return {
    title: status.status === 'current' ? t('verify.genuineTitle') : t('verify.revokedTitle'),
    content: html`${banner}
<h2 class="govuk-heading-m">${t('verify.says')}</h2>
<dl class="govuk-summary-list">
${row(t('verify.code'), status.code)}
${row(t('verify.issuedBy'), p.issuer.name)}
${row(t('verify.typeLabel'), typeName(p.decisionType))}
${row(t('verify.service'), p.letter?.serviceName ?? serviceName(p.service) ?? p.service)}
${row(t('verify.reference'), p.reference)}
${row(t('verify.outcome'), p.outcome === 'approved' ? t('verify.approved') : t('verify.refused'))}
${view['holder'] !== undefined ? row(t('verify.issuedTo'), view['holder']) : ''}
${row(t('verify.issuedOn'), day(p.issuedAt))}
${p.validFrom ? row(t('verify.validFrom'), day(p.validFrom)) : ''}
${p.validUntil ? row(t('verify.validUntil'), day(p.validUntil)) : ''}
${row(t('verify.status'), status.status === 'current' ? t('verify.current') : t('verify.revokedOnDay', { day: day(status.revokedAt!) }))}
</dl>
<p class="govuk-body">${t('verify.compare')}${NAME_PUBLIC_FOR.has(p.decisionType) ? '' : ` ${t('verify.privacy')}`}</p>
<p class="govuk-body"><a class="govuk-link" href="/verify">${t('verify.another')}</a></p>` };
}

export interface DocumentsPluginOptions {
  readonly documents: Documents;
  readonly authenticate?: Authenticate;
  readonly canDownload?: CanDownload;
  /** The service's name for decisions issued before letters carried it (the service id is no name for people). */
  readonly serviceName?: (serviceId: string) => string | undefined;
  /** Called for each allowed download before it is sent, to log the read for the person (the composition root wires privacy). */
  readonly onDownload?: (principal: unknown, reference: string, what: string) => Promise<void>;
  /** Serve the GOV.UK assets under /assets (only when no other plugin, such as the portal, does). */
  readonly serveAssets?: boolean;
}

/** The HTML pages (`/verify`, `/verify/:code`) and downloads (`/decisions/<code>.pdf|.jws`). */
export function createDocumentsPlugin(options: DocumentsPluginOptions): (server: FastifyInstance) => Promise<void> {
  const { documents } = options;
  return async (server) => {
    // /verify and the downloads' pages in the reader's language (switcher, cookie, Accept-Language), as every area's.
    useReaderLanguage(server);
    server.addHook('onSend', async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.headers(SECURITY_HEADERS);
      return payload;
    });
    const send = (reply: { status(n: number): unknown; type(t: string): unknown; send(b: string): unknown }, status: number, title: string, content: SafeHtml) => {
      reply.status(status);
      reply.type('text/html; charset=utf-8');
      return reply.send(page({ title, content, navigation: [{ key: 'verify', href: '/verify', label: t('verify.nav') }], current: 'verify' }).toString());
    };
    // A malformed address (a code longer than any, a file that is not <code>.pdf|.jws) is a 400 page, like every area's.
    const log = createLogger({ name: 'documents' });
    server.setErrorHandler(htmlErrorHandler({ render: (_request, reply, title, content, status) => send(reply, status, title, content) as FastifyReply, log, home: { href: '/verify', get label() { return t('verify.nav'); } }, userMessages: true }));
    if (options.serveAssets) {
      server.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
        const asset = await readGovukAsset(request.params['*']);
        if (!asset) return reply.status(404).send({ code: 'GOVFLOW_ERR_NOT_FOUND', message: 'no such asset', details: [] });
        return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.content);
      });
    }
    server.get<{ Querystring: { code?: string } }>('/verify', async (request, reply) => {
      const typed = typeof request.query.code === 'string' ? request.query.code : undefined;
      if (typed === undefined) return send(reply, 200, t('verify.title'), codeForm());
      const normal = parseVerificationCode(typed);
      if (!normal) {
        const error = typed.trim() === '' ? t('verify.enterCode') : t('verify.codeShape', { example: 'K7QX-M2PA-9F3D' });
        return send(reply, 400, t('verify.title'), html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">${t('form.problem')}</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="#code">${error}</a></li></ul></div></div></div>${codeForm({ value: typed.slice(0, 64), error })}`);
      }
      return reply.redirect(`/verify/${normal}`, 303);
    });
    server.get<{ Params: { code: string } }>('/verify/:code', { schema: { params: { type: 'object', properties: { code: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['code'] } } }, async (request, reply) => {
      const normal = parseVerificationCode(request.params.code);
      if (normal && normal !== request.params.code) return reply.redirect(`/verify/${normal}`, 301);
      const status = normal ? await documents.status(normal) : null;
      const result = resultPage(normal ?? request.params.code.slice(0, 64), status, options.serviceName ?? (() => undefined));
      return send(reply, status ? 200 : 404, result.title, result.content);
    });
    server.get<{ Params: { file: string } }>('/decisions/:file', { schema: { params: { type: 'object', properties: { file: { type: 'string', pattern: '^[A-Za-z0-9 -]{1,64}\\.(pdf|jws)$' } }, required: ['file'] } }, ...personalData({ logged: 'decision.downloaded' }) }, async (request, reply) => {
      const m = /^(.+)\.(pdf|jws)$/.exec(request.params.file);
      const normal = m ? parseVerificationCode(m[1]!) : null;
      const found = normal ? await documents.download(normal) : null;
      if (!found) return send(reply, 404, t('error.notFound'), html`<h1 class="govuk-heading-l">${t('error.notFound')}</h1><p class="govuk-body">${t('verify.noDocument')}</p>`);
      const principal = options.authenticate ? await options.authenticate(request) : null;
      if (!principal) return send(reply, 401, t('nav.signIn'), html`<h1 class="govuk-heading-l">${t('verify.signInToDownload')}</h1><p class="govuk-body">${t('verify.onlyApplicant')} ${t('verify.anyoneCan')} <a class="govuk-link" href="/verify/${normal!}">${t('verify.checkGenuine')}</a>.</p>`);
      if (!(await (options.canDownload ?? (() => false))(principal, found.reference))) {
        return send(reply, 403, t('verify.cannotDownload'), html`<h1 class="govuk-heading-l">${t('verify.cannotDownload')}</h1><p class="govuk-body">${t('verify.onlyApplicant')}</p>`);
      }
      const ext = m![2]!;
      // A decision names the person it is about: a download by anyone but them is in their access log (issue 13).
      await options.onDownload?.(principal, found.reference, `decision:${normal!}`);
      return reply
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="decision-${normal!}.${ext}"`)
        .type(ext === 'pdf' ? 'application/pdf' : 'application/jose')
        .send(ext === 'pdf' ? found.pdf : found.jws);
    });
  };
}
