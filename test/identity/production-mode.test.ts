/**
 * Issue 13, acceptance 1: production mode refuses every demo setting, naming it; a clean production govflow gets its
 * first administrator from `govflow admin create`, who enrols in Chromium (the authenticator secret read from the
 * QR code image, a passkey through Chromium's virtual authenticator) and then signs in both ways.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import jsQRModule from 'jsqr';
import { chromium, type Browser } from 'playwright-core';
import { openGovflow, startServer } from '../../src/cli/index.js';
import { activeDemoAccounts, createIdentity, disableDemoAccounts } from '../../src/identity/index.js';
import { deploymentMode, isGovflowError, loadConfig } from '../../src/kernel/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { freshTotp } from '../support/sign-in.js';

const BIN = path.resolve('bin/govflow.mjs');
// jsqr is CommonJS with `exports.default`: under Node's ESM interop the default import is the module object.
type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQR = (jsQRModule as unknown as { default?: JsQR }).default ?? (jsQRModule as unknown as JsQR);

/** The browser-side objects the QR decoding touches (the tests compile without the DOM library). */
interface Img { naturalWidth: number; naturalHeight: number }
interface Canvas { width: number; height: number; getContext(kind: '2d'): { drawImage(img: Img, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }

interface Run { code: number | null; stdout: string; stderr: string }

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `govflow serve` and resolves with its URL once it says it is running (or rejects with what it printed). */
function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /govflow is running at (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => reject(new Error(`govflow serve exited with ${code}: ${err}${out}`)));
  });
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  await closed;
}

describe('production mode (issue 13)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let browser: Browser | undefined;
  let server: ChildProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-production-'));
    // A real deployment's settings: a PostgreSQL server when the test run has one (several processes share it),
    // one master key for the server and the CLI, no agency simulator, no demo anything.
    const base: NodeJS.ProcessEnv = { ...process.env, GOVFLOW_DATA_DIR: dataDir, GOVFLOW_MASTER_KEY: randomBytes(32).toString('base64url'), GOVFLOW_REGISTRY: 'off', GOVFLOW_LOG_LEVEL: 'warn', GOVFLOW_PORT: '0', GOVFLOW_HOST: '127.0.0.1', GOVFLOW_AGENCY: 'city-of-test', GOVFLOW_AGENCY_NAME: 'City of Test' };
    for (const name of ['GOVFLOW_ENV', 'GOVFLOW_DEMO_ACCOUNTS', 'GOVFLOW_DEMO_SIGN_IN', 'GOVFLOW_PAYMENT_PROVIDER', 'GOVFLOW_DATABASE_URL', 'GOVFLOW_PUBLIC_URL']) delete base[name];
    env = pgUrl ? { ...base, GOVFLOW_DATABASE_URL: await createServerDatabase() } : base;
  });
  after(async () => {
    if (server) await stopServe(server);
    await browser?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses to start with each demo setting on, naming the setting in one line, without a stack trace', async () => {
    const cases = [
      { flag: ['--production'], setting: { GOVFLOW_DEMO_ACCOUNTS: 'on' }, named: 'GOVFLOW_DEMO_ACCOUNTS=off' },
      { flag: [], setting: { GOVFLOW_ENV: 'production', GOVFLOW_DEMO_SIGN_IN: 'on' }, named: 'GOVFLOW_DEMO_SIGN_IN=off' },
      { flag: ['--production'], setting: { GOVFLOW_PAYMENT_PROVIDER: 'test' }, named: 'GOVFLOW_PAYMENT_PROVIDER=none' },
    ];
    for (const c of cases) {
      const run = await runCli(['serve', ...c.flag], { ...env, ...c.setting });
      assert.equal(run.code, 2, `${JSON.stringify(c.setting)}: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0]!, /^govflow serve: production mode refuses to start while .+ enabled: set /);
      assert.ok(lines[0]!.endsWith(c.named), `${lines[0]} names ${c.named}`);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses a database in which the demo staff accounts are still active, until `admin disable-demo`', async () => {
    const demoDir = await mkdtemp(path.join(tmpdir(), 'govflow-demo-db-'));
    // On a PostgreSQL server production also needs the shared master key (its own refusal); give one, so the demo accounts are what is refused.
    const govflow = await openGovflow({ config: { ...loadConfig({}), dataDir: demoDir, port: 0, ...(pgUrl ? { databaseUrl: await createServerDatabase(), masterKey: randomBytes(32).toString('base64url') } : {}) } });
    try {
      await createIdentity({ db: govflow.db, masterKey: randomBytes(32), demo: true }).seedDemo();
      const production = deploymentMode({ GOVFLOW_ENV: 'production' });
      await assert.rejects(startServer(govflow, { mode: production }), (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_CONFIG'
        && /demo staff accounts \(ada, aud, ben, bob, fay, lin, mia, pat\) are active in the database: run npx govflow admin disable-demo$/.test(error.message));
      assert.deepEqual((await disableDemoAccounts(govflow.db, 'system:test')).length, 8);
      assert.deepEqual(await activeDemoAccounts(govflow.db), [], 'nothing left to refuse');
    } finally {
      await govflow.close();
      await rm(demoDir, { recursive: true, force: true });
    }
  });

  it('starts clean, creates the first administrator, who enrols (QR code TOTP and a passkey) and signs in both ways', async () => {
    const started = await startServe(['--production'], env);
    server = started.child;
    // Passkeys need a domain as relying party (an IP address is not one): the browser uses localhost.
    const base = started.url.replace('127.0.0.1', 'localhost');
    const signInPage = await fetch(`${base}/staff/sign-in`);
    assert.equal(signInPage.status, 200);
    const html = await signInPage.text();
    assert.doesNotMatch(html, /govuk-phase-banner/, 'no Demo banner in production');
    assert.match(html, /City of Test/);
    assert.equal((await fetch(`${base}/payments/test/x`)).status, 404, 'no test payment provider');
    const citizenSignIn = await (await fetch(`${base}/sign-in`)).text();
    assert.doesNotMatch(citizenSignIn, /demo citizen/i, 'no demo citizen picker');

    const created = await runCli(['admin', 'create', '--email', 'Ada.Lovelace@city.example', '--name', 'Ada Lovelace'], env);
    assert.equal(created.code, 0, created.stderr);
    const link = /https?:\/\/\S+(\/staff\/enrol\/[A-Za-z0-9_-]{20,})/.exec(created.stdout);
    assert.ok(link, created.stdout);
    assert.match(created.stdout, /administrator account: ada-lovelace/);

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });

    await page.goto(`${base}${link[1]}`);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/staff\/enrol\/authenticator$/);

    // The QR code as the browser shows it, decoded from its pixels; its secret is the one printed beside it.
    const shot: { width: number; height: number; data: number[] } = await page.locator('#totp-qr').evaluate((img: Img) => {
      const canvas = (globalThis as unknown as { document: { createElement(tag: 'canvas'): Canvas } }).document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return { width: canvas.width, height: canvas.height, data: Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data) };
    });
    const qr = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height);
    assert.ok(qr, 'the QR code image decodes');
    const uri = new URL(qr.data);
    assert.equal(uri.protocol, 'otpauth:');
    const secret = uri.searchParams.get('secret')!;
    assert.equal(secret, (await page.locator('#totp-secret').innerText()).trim(), 'the secret is shown as text too');
    await page.getByLabel('Enter the 6-digit code from the app').fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Confirm code' }).click();
    await page.locator('#totp-done').waitFor();

    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('You have added 1 passkey.').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator holds one passkey');
    assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential: sign-in needs no user name');
    await page.getByRole('button', { name: 'Finish and sign in' }).click();
    await page.waitForURL(/\/staff\/sign-in$/);
    assert.equal((await fetch(`${base}${link[1]}`)).status, 404, 'the enrolment link worked once');

    // Password + authenticator code.
    await page.getByLabel('Username').fill('ada-lovelace');
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Enter your security code').fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/staff/sign-in'));
    const adminPage = await page.goto(`${base}/admin`);
    assert.equal(adminPage?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/admin', 'signed in as an administrator');

    // Signed out (a new browser profile would do the same), then the passkey alone.
    await context.clearCookies();
    await page.goto(`${base}/admin`);
    assert.notEqual(new URL(page.url()).pathname, '/admin', 'no longer signed in');
    await page.goto(`${base}/staff/sign-in?next=/admin`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/admin');
    assert.match(await page.content(), /Ada Lovelace/);
    await context.close();
  });
});
