/** Signing in through a loopback OpenID Connect provider (test/support/test-eid.ts) in Chromium, as a person would. */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import type { Database } from '../../src/store/index.js';

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Goes to `startPath` on govflow, logs in at the provider as `login` (its development login page, then its consent
 * page) in a fresh browser context, and returns where govflow sent the browser and the session cookie it set.
 */
export async function signInAtProvider(browser: Browser, base: string, issuer: string, startPath: string, login: string, options: { button?: string } = {}): Promise<{ url: URL; content: string; session: string | null; sessionBefore: string | null }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${base}${startPath}`);
    const sessionBefore = (await context.cookies(base)).find((c) => c.name === 'govflow_session')?.value ?? null;
    // Start from a page's button (e.g. "Sign in with your agency account") as a person would.
    if (options.button) await page.getByRole('button', { name: options.button }).click();
    await page.waitForURL((url) => url.href.startsWith(issuer));
    if (!page.url().startsWith(issuer)) throw new Error(`not sent to the provider: ${page.url()}`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.waitForLoadState();
    if (page.url().startsWith(issuer)) await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.href.startsWith(base));
    await page.waitForLoadState();
    const session = (await context.cookies(base)).find((c) => c.name === 'govflow_session')?.value ?? null;
    return { url: new URL(page.url()), content: await page.content(), session, sessionBefore };
  } finally {
    await context.close();
  }
}

/** Who the session cookie belongs to, read from the session table as govflow itself does (by the id's SHA-256). */
export async function principalOfSession(db: Database, session: string | null): Promise<{ kind: string | null; id: string | null } | null> {
  if (!session) return null;
  const { rows } = await db.query<{ principal_kind: string | null; principal_id: string | null }>('select principal_kind, principal_id from identity_session where id_hash = $1',
    [createHash('sha256').update(session).digest('hex')]);
  return rows[0] ? { kind: rows[0].principal_kind, id: rows[0].principal_id } : null;
}

/** Every row of every table in the public schema, as text, for looking for a value that must not be stored. */
export async function dumpAllTables(db: Database): Promise<string> {
  const { rows } = await db.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name");
  const parts: string[] = [];
  for (const { table_name: table } of rows) {
    const dump = await db.query<{ row: string }>(`select t::text as row from "${table.replace(/"/g, '""')}" t`);
    parts.push(`-- ${table}`, ...dump.rows.map((r) => r.row));
  }
  return parts.join('\n');
}
