// One demo server and one Chromium for a browser test file (or one describe block): the before/after every browser
// test of the staff and engagement pages used to write out itself. Server and browser start side by side (the
// server's start is this process's CPU, Chromium's launch another process's), and both are closed after, even when
// one of them failed.
import { after, before } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import type { Govflow } from '../../src/cli/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { startDemoServer, type DemoServer } from './demo-server.js';

export interface DemoBrowser {
  readonly server: DemoServer;
  readonly govflow: Govflow;
  /** The server's base URL (http://127.0.0.1:port). */
  readonly base: string;
  readonly browser: Browser;
  /** A new context of the one browser; `axe: true` injects axe-core into each of its pages (for auditPage). */
  newContext(options?: BrowserContextOptions & { axe?: boolean }): Promise<BrowserContext>;
  /**
   * Settles when the server and browser are up (or their start failed). node 20 may run a file's top-level before()
   * hooks side by side, so a later top-level hook that uses the server awaits this first.
   */
  started(): Promise<void>;
}

export interface DemoBrowserOptions {
  /**
   * Environment the server is configured from, set just before it starts (a function: the values may come from
   * something an earlier before() started, such as an SMTP sink) and restored after it stops.
   */
  readonly env?: () => Record<string, string> | Promise<Record<string, string>>;
}

/** Registers the before/after hooks in the current scope (file or describe) and returns their server and browser. */
export function withDemoBrowser(name: string, options: DemoBrowserOptions = {}): DemoBrowser {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  const previous = new Map<string, string | undefined>();
  let markStarted: () => void = () => {};
  const startedOnce = new Promise<void>((resolve) => { markStarted = resolve; });
  const start = async (): Promise<void> => {
    for (const [key, value] of Object.entries(await options.env?.() ?? {})) {
      previous.set(key, process.env[key]);
      process.env[key] = value;
    }
    const [started, launched] = await Promise.allSettled([startDemoServer(name), chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })]);
    if (started.status === 'fulfilled') server = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    for (const r of [started, launched]) if (r.status === 'rejected') throw r.reason;
  };
  // node 20 starts a top-level hook as soon as it is registered: everything it uses is defined above it.
  before(async () => {
    try {
      await start();
    } finally {
      markStarted();
    }
  });
  after(async () => {
    const closed = await Promise.allSettled([browser?.close(), server?.stop()]);
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    for (const r of closed) if (r.status === 'rejected') throw r.reason;
  });
  const ready = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`withDemoBrowser(${name}): the ${what} is not started (used outside a test, or its before() failed)`);
    return value;
  };
  return {
    get server() { return ready('demo server', server); },
    get govflow() { return ready('demo server', server).govflow; },
    get base() { return ready('demo server', server).running.url; },
    get browser() { return ready('browser', browser); },
    started: () => startedOnce,
    async newContext(contextOptions = {}) {
      const { axe: withAxe, ...rest } = contextOptions;
      const context = await ready('browser', browser).newContext(rest);
      if (withAxe) await context.addInitScript({ content: axe.source });
      return context;
    },
  };
}

/**
 * Content-Security-Policy violations and script errors of a context's pages, gathered from the pages themselves
 * (securitypolicyviolation events): call before opening pages; the function returned lists what happened so far.
 */
export async function watchPageProblems(context: BrowserContext): Promise<() => Promise<string[]>> {
  await context.addInitScript({ content: `window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));` });
  const errors: string[] = [];
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`)));
  return async () => [...errors, ...(await Promise.all(context.pages().map((p) => p.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations ?? []).catch(() => [])))).flat()];
}
