/**
 * Signing in from tests, through the real pages (no back door): staff with password + TOTP code, citizens through
 * the citizen sign-in page. The TOTP codes are computed from the documented demo secrets, like an authenticator.
 */
import { generateSync } from 'otplib';
import type { Page } from 'playwright-core';
import { createIdentity, DEMO_CITIZENS, DEMO_STAFF, type Role } from '../../src/identity/index.js';
import type { Database } from '../../src/store/index.js';

const COOKIE = 'govflow_session';

function demoStaff(username: string): (typeof DEMO_STAFF)[number] {
  const staff = DEMO_STAFF.find((s) => s.username === username);
  if (!staff) throw new Error(`no demo staff member ${username}`);
  return staff;
}

/** `alex` / `demo-citizen-alex` → the demo person's id. */
function demoCitizenId(person: string): string {
  const citizen = DEMO_CITIZENS.find((c) => c.username === person || c.id === person);
  if (!citizen) throw new Error(`no demo citizen ${person}`);
  return citizen.id;
}

/**
 * The time steps each secret's codes were taken from: govflow accepts a code once (only a later step afterwards),
 * so, like a person waiting for the next code, a test asking for another one gets a later step — the next of the
 * three govflow accepts around now (the previous, current and next 30-second step), or it waits for the clock.
 * Each govflow database remembers its own last step, so steps are kept per server (`scope`: the base URL signed in
 * at): the same demo account signed in on the PGlite and the PostgreSQL server of one file does not wait for the
 * clock. A code asked for without a scope is kept apart from every server's (the conservative choice).
 */
const usedSteps = new Map<string, Map<string, number>>();
const STEP_MS = 30_000;
const ANY_SERVER = '';

function lastStep(secret: string, scope: string): number {
  const steps = usedSteps.get(secret);
  if (!steps) return -Infinity;
  if (scope === ANY_SERVER) return Math.max(-Infinity, ...steps.values());
  return Math.max(steps.get(scope) ?? -Infinity, steps.get(ANY_SERVER) ?? -Infinity);
}

/** A TOTP code for `secret` from a step no earlier code of this process used (on the server `scope`, if given). */
export async function freshTotp(secret: string, scope: string = ANY_SERVER): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / STEP_MS);
    const step = Math.max(now - 1, lastStep(secret, scope) + 1);
    // Keep a second's margin before the window moves past the step chosen.
    if (step <= now + 1 && (step >= now || Date.now() % STEP_MS < STEP_MS - 1000)) {
      const steps = usedSteps.get(secret) ?? new Map<string, number>();
      steps.set(scope, step);
      usedSteps.set(secret, steps);
      return generateSync({ secret, epoch: step * (STEP_MS / 1000) });
    }
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 50));
  }
}

/** A TOTP code of a demo staff member that govflow has not seen yet. */
export async function totpFor(username: string, scope?: string): Promise<string> {
  return freshTotp(demoStaff(username).totpSecret, scope);
}

function sessionCookie(response: Response, fallback: string): string {
  const set = response.headers.get('set-cookie');
  const match = set ? new RegExp(`${COOKIE}=([^;]*)`).exec(set) : null;
  return match ? `${COOKIE}=${match[1]}` : fallback;
}

const hidden = (page: string, name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';

async function form(url: string, cookie: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

/** Signs a demo staff member in (password, then TOTP code); returns the `Cookie` header value to send. */
export async function signInStaff(baseUrl: string, username: string): Promise<string> {
  const staff = demoStaff(username);
  return signInStaffWith(baseUrl, username, staff.password, staff.totpSecret);
}

/**
 * Signs any staff account in with the given password and authenticator secret; throws when a step is refused. When
 * govflow asks for a new password (an initial or reset one), `newPassword` is chosen, or it throws without one.
 */
export async function signInStaffWith(baseUrl: string, username: string, passwordText: string, totpSecret: string, options: { newPassword?: string } = {}): Promise<string> {
  const start = await fetch(`${baseUrl}/staff/sign-in`);
  let cookie = sessionCookie(start, '');
  const password = await form(`${baseUrl}/staff/sign-in`, cookie, { csrf: hidden(await start.text(), 'csrf'), username, password: passwordText, next: '/' });
  if (password.status !== 303) throw new Error(`staff sign-in refused the password of ${username}: ${password.status}`);
  cookie = sessionCookie(password, cookie);
  const codePage = await fetch(`${baseUrl}/staff/sign-in/code`, { headers: { cookie } });
  const code = await form(`${baseUrl}/staff/sign-in/code`, cookie, { csrf: hidden(await codePage.text(), 'csrf'), code: await freshTotp(totpSecret, new URL(baseUrl).origin), next: '/' });
  if (code.status !== 303) throw new Error(`staff sign-in refused the code of ${username}: ${code.status}`);
  cookie = sessionCookie(code, cookie);
  if (!code.headers.get('location')?.startsWith('/staff/sign-in/new-password')) return cookie;
  if (options.newPassword === undefined) throw new Error(`staff sign-in of ${username} asked for a new password`);
  const changePage = await fetch(`${baseUrl}/staff/sign-in/new-password`, { headers: { cookie } });
  const changed = await form(`${baseUrl}/staff/sign-in/new-password`, cookie, { csrf: hidden(await changePage.text(), 'csrf'), password: options.newPassword, confirm: options.newPassword, next: '/' });
  if (changed.status !== 303) throw new Error(`staff sign-in refused the new password of ${username}: ${changed.status}`);
  return sessionCookie(changed, cookie);
}

/** Signs a demo citizen (`alex`, `sam`, `kim` or their ids) in through the citizen sign-in page. */
export async function signInCitizen(baseUrl: string, person: string): Promise<string> {
  const start = await fetch(`${baseUrl}/sign-in`);
  const cookie = sessionCookie(start, '');
  const response = await form(`${baseUrl}/sign-in`, cookie, { csrf: hidden(await start.text(), 'csrf'), citizen: demoCitizenId(person), next: '/' });
  if (response.status !== 303) throw new Error(`citizen sign-in refused ${person}: ${response.status}`);
  return sessionCookie(response, cookie);
}

export async function signInStaffInBrowser(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/staff/sign-in`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(demoStaff(username).password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Enter your security code').fill(await totpFor(username, new URL(baseUrl).origin));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/staff/sign-in'));
}

export async function signInCitizenInBrowser(page: Page, baseUrl: string, person: string, button = 'Sign in'): Promise<void> {
  const id = demoCitizenId(person);
  await page.goto(`${baseUrl}/sign-in`);
  await page.locator(`input[name="citizen"][value="${id}"]`).check();
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

let keys = 0;
/** A fresh API key (stored hashed like any other) with the given roles/services; returns the bearer token. */
export async function apiKeyFor(db: Database, spec: { roles: readonly Role[]; services?: readonly string[] }): Promise<string> {
  // Creating a key needs no master key (only TOTP secrets are sealed), so any value does here.
  const identity = createIdentity({ db, masterKey: Buffer.alloc(32) });
  const { key } = await identity.createApiKey({ id: `test-key-${process.pid}-${++keys}-${Date.now()}`, roles: spec.roles, ...(spec.services ? { services: spec.services } : {}) });
  return key;
}

/**
 * GET and POST as a signed-in staff member, without following redirects; a POST carries the CSRF token of the
 * staff home page. `at` is read on each call, so a suite can make this before its `before()` signs in.
 */
export function staffPages(at: () => { base: string; cookie: string }) {
  const get = async (url: string) => {
    const { base, cookie } = at();
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };
  const post = async (url: string, fields: Record<string, string> = {}) => {
    const { base, cookie } = at();
    const csrf = /name="csrf" value="([^"]+)"/.exec((await get('/staff')).text)?.[1] ?? '';
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, ...fields }), redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };
  return { get, post };
}
