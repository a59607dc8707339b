/**
 * What engagement's staff pages (triage) share: the workbench's look (section, navigation, wide layout) and who may
 * use them. Engagement may not import the workbench (module floors), so the layout options are repeated here, small.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { page, PageError, type SafeHtml, redirectToSignIn } from '../web/index.js';

export interface StaffUser {
  readonly id: string;
  readonly name: string;
  /** A caseworker or manager: may change how a report is routed (an admin or auditor only reads). */
  readonly decides: boolean;
}

/** The signed-in staff member, or null after redirecting a visitor to the staff sign-in; others get a 403 page. */
export async function staffUser(request: FastifyRequest, reply: FastifyReply): Promise<StaffUser | null> {
  const p = request.principal;
  if (p?.kind === 'staff') return { id: p.id, name: p.name, decides: p.roles.some((r) => r === 'caseworker' || r === 'manager') };
  if (p) throw new PageError(403, t('staff.error.notStaffTitle'), t('staff.error.notStaffText'));
  await redirectToSignIn(reply, 'staff', request, '/staff');
  return null;
}

export function sendStaffPage(request: FastifyRequest, reply: FastifyReply, options: { title: string; content: SafeHtml; status?: number; hasErrors?: boolean; current: string }): FastifyReply {
  return reply.status(options.status ?? 200).type('text/html; charset=utf-8').send(page({
    title: options.title, content: options.content, section: { name: t('staff.section'), href: '/staff' }, wide: true, languageSwitcher: true, current: options.current,
    navigation: [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/triage', label: t('staff.triage.title'), key: 'triage' }],
    citizen: request.principal?.name ?? null, csrfToken: request.csrfToken, signOutAction: '/staff/sign-out', hasErrors: options.hasErrors ?? false,
  }).value);
}
