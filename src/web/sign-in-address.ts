/**
 * Where a page sends a reader who must sign in first, and the page to come back to afterwards: one rule for every
 * module instead of an address built by hand in each. After a GET it is the page asked for, query included (a
 * filtered list comes back filtered); after a form post it is the page the caller names, because a POST target is
 * not a page one can come back to. Identity's sign-in pages follow `next` only when it is a local path (safeNext),
 * so nothing here can send a reader elsewhere.
 */
import type { FastifyReply } from 'fastify';

export type SignInArea = 'staff' | 'citizen';

const SIGN_IN_PAGES: Readonly<Record<SignInArea, string>> = { staff: '/staff/sign-in', citizen: '/sign-in' };

/** The sign-in page of `area`, coming back to `back` (a local path). */
export function signInAddress(area: SignInArea, back: string): string {
  return `${SIGN_IN_PAGES[area]}?next=${encodeURIComponent(back)}`;
}

/** The page to come back to after signing in: the page itself for a GET or HEAD, `afterPost` for a form post. */
export function pageToComeBackTo(request: { readonly method: string; readonly url: string }, afterPost: string): string {
  return request.method === 'GET' || request.method === 'HEAD' ? request.url : afterPost;
}

/** Redirects (303) to the sign-in page of `area`, coming back as `pageToComeBackTo` says. */
export function redirectToSignIn(reply: FastifyReply, area: SignInArea, request: { readonly method: string; readonly url: string }, afterPost: string): FastifyReply {
  return reply.redirect(signInAddress(area, pageToComeBackTo(request, afterPost)), 303);
}
