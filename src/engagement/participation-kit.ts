/**
 * What the proposal, debate and moderation pages share: who is asking, the page frame, the GOV.UK text fields with
 * their errors, and the checks of what people type (lengths named in the error message, never a 500).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { messageKeys, t, type MessageKey } from '../i18n/index.js';
import { html, page, PageError, type FieldError, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { Participation } from './proposals.js';
import type { Author } from './discussion-store.js';

// Identity's type, as its session hook declares it on the request (engagement does not depend on identity).
type Principal = NonNullable<FastifyRequest['principal']>;
export type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/** A public project as debates name it: transparency's project timelines, passed in by the composition root. */
export interface ProjectRef { readonly slug: string; readonly title: string; readonly department: string }

/** Projects people debate about, and which staff may open an official debate on one (compose passes transparency's rule). */
export interface ProjectDirectory {
  list(): Promise<readonly ProjectRef[]>;
  mayOpen(staff: StaffPrincipal, department: string): boolean;
}

export interface PagesContext {
  readonly participation: Participation;
  /** Absent: no debates about projects (engagement on its own, as in some tests). */
  readonly projects?: ProjectDirectory;
}

export const principalOf = (request: FastifyRequest): Principal | null => request.principal ?? null;
export const citizenOf = (request: FastifyRequest): { id: string; name: string } | null => {
  const p = principalOf(request);
  return p?.kind === 'citizen' ? p : null;
};
/** Staff who may write official replies: anyone on staff but an auditor, who only reads. */
export const officialOf = (request: FastifyRequest): Extract<Principal, { kind: 'staff' }> | null => {
  const p = principalOf(request);
  return p?.kind === 'staff' && p.roles.some((r) => r !== 'auditor') ? p : null;
};

/** The project of this slug in the directory, or null (no such project, or no directory). */
export async function projectNamed(ctx: PagesContext, slug: string): Promise<ProjectRef | null> {
  return (await ctx.projects?.list())?.find((p) => p.slug === slug) ?? null;
}

export function send(request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200, hasErrors = false): FastifyReply {
  const p = principalOf(request);
  const staff = p?.kind === 'staff';
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store')
    .send(page({ title, content, citizen: p && p.kind !== 'agency-system' ? p.name : null, csrfToken: request.csrfToken, hasErrors, ...(staff ? { signOutAction: '/staff/sign-out' } : {}) }).value);
}

/** Sends a visitor who is not signed in as a citizen to sign in, coming back here; true when it did. */
export function signInFirst(request: FastifyRequest, reply: FastifyReply): boolean {
  if (citizenOf(request)) return false;
  void redirectToSignIn(reply, 'citizen', request, request.url.replace(/\/[^/]*$/, ''));
  return true;
}

/** The author of a comment from the request: a citizen, or an official of the given department (else their first). */
export function authorOf(request: FastifyRequest, department: string | null): Author | null {
  const citizen = citizenOf(request);
  if (citizen) return { kind: 'citizen', citizenId: citizen.id };
  const staff = officialOf(request);
  if (!staff) return null;
  const dept = department !== null && staff.departments.includes(department) ? department : staff.departments[0] ?? 'the municipality';
  return { kind: 'staff', staffId: staff.id, name: staff.name, department: dept };
}

export const tooManyPosts = (): PageError => new PageError(429, t('participation.tooMany.title'), t('participation.tooMany.text'));

const errorOf = (errors: readonly FieldError[], key: string): SafeHtml => {
  const e = errors.find((x) => x.key === key);
  return e ? html`<p class="govuk-error-message" id="${key}-error"><span class="govuk-visually-hidden">${t('form.error')}</span> ${e.message}</p>` : html``;
};

/** A GOV.UK text input or textarea with its label, hint and error. */
export function textField(f: { key: string; label: string; hint?: string; value: string; errors: readonly FieldError[]; rows?: number; labelClass?: string }): SafeHtml {
  const failed = f.errors.some((e) => e.key === f.key);
  const described = [f.hint ? `${f.key}-hint` : '', failed ? `${f.key}-error` : ''].filter((x) => x !== '').join(' ');
  const aria = described === '' ? html`` : html` aria-describedby="${described}"`;
  const input = f.rows
    ? html`<textarea class="govuk-textarea${failed ? ' govuk-textarea--error' : ''}" id="${f.key}" name="${f.key}" rows="${String(f.rows)}"${aria}>${f.value}</textarea>`
    : html`<input class="govuk-input${failed ? ' govuk-input--error' : ''}" id="${f.key}" name="${f.key}" type="text" value="${f.value}"${aria}>`;
  return html`<div class="govuk-form-group${failed ? ' govuk-form-group--error' : ''}">
<label class="govuk-label ${f.labelClass ?? 'govuk-label--s'}" for="${f.key}">${f.label}</label>
${f.hint ? html`<div id="${f.key}-hint" class="govuk-hint">${f.hint}</div>` : html``}${errorOf(f.errors, f.key)}${input}
</div>`;
}

/** Topic radios (a fieldset with its legend and error). */
export function topicField(participation: Participation, chosen: string, errors: readonly FieldError[]): SafeHtml {
  const failed = errors.some((e) => e.key === 'topic');
  return html`<div class="govuk-form-group${failed ? ' govuk-form-group--error' : ''}"><fieldset class="govuk-fieldset"${failed ? html` aria-describedby="topic-error"` : html``}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('participation.topic')}</legend>${errorOf(errors, 'topic')}
<div class="govuk-radios" data-module="govuk-radios">
${participation.topics.map((topic, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${i === 0 ? 'topic' : `topic-${topic.code}`}" name="topic" type="radio" value="${topic.code}"${topic.code === chosen ? html` checked` : html``}>
<label class="govuk-label govuk-radios__label" for="${i === 0 ? 'topic' : `topic-${topic.code}`}">${topicNameOf(topic)}</label></div>
`)}</div></fieldset></div>`;
}

/** The demo topics' names in the reader's language; a deployment's own topics show as configured. */
const KNOWN = new Set<string>(messageKeys());
export const topicNameOf = (topic: { readonly code: string; readonly name: string }): string => {
  const key = `participation.topic.${topic.code}`;
  return KNOWN.has(key) ? t(key as MessageKey) : topic.name;
};

/** The typed texts checked, each named in the messages (a select in each language's message). */
export type CheckedText = 'title' | 'proposal' | 'debate' | 'comment' | 'abuse' | 'reason';

/** Checks a typed text: required, within [min, max] characters; the message names the field. */
export function checkText(errors: FieldError[], key: string, field: CheckedText, value: string, min: number, max: number): string {
  // Browsers send a textarea's line breaks as CRLF; a length is counted as the person sees it.
  const v = value.replace(/\r\n?/g, '\n').trim();
  if (v === '') errors.push({ key, anchor: key, message: t('participation.check.enter', { field }) });
  else if (v.length < min) errors.push({ key, anchor: key, message: t('participation.check.short', { field, min }) });
  else if (v.length > max) errors.push({ key, anchor: key, message: t('participation.check.long', { field, max }) });
  return v;
}

export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The item kinds people can report and moderators hide, as they appear in addresses. */
export const KINDS = ['proposal', 'debate', 'comment'] as const;
export const isKind = (x: string): x is (typeof KINDS)[number] => (KINDS as readonly string[]).includes(x);
