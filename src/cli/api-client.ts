import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ERROR_CATALOGUE, GovflowError, loadConfig, type ErrorCode } from '../kernel/index.js';
import type { Identity } from '../identity/index.js';

/** Where `govflow serve` keeps the embedded demo's admin API key for the CLI on the same machine. */
export const CLI_KEY_FILE = 'admin-api-key';

/** Makes sure `<dataDir>/admin-api-key` holds a working admin key (a new one when missing or revoked). */
export async function ensureCliAdminKey(identity: Identity, dataDir: string): Promise<void> {
  const file = path.join(dataDir, CLI_KEY_FILE);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing && (await identity.principalForApiKey(existing))) return;
  const { key } = await identity.createApiKey({ id: `cli-admin-${randomBytes(4).toString('hex')}`, name: 'govflow CLI (demo)', roles: ['admin'], actor: 'system:govflow-serve' });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The CLI's credential: GOVFLOW_API_KEY, else the key `govflow serve` left in the data directory. */
async function cliApiKey(): Promise<string | undefined> {
  if (process.env['GOVFLOW_API_KEY']) return process.env['GOVFLOW_API_KEY'];
  const key = (await readFile(path.join(loadConfig().dataDir, CLI_KEY_FILE), 'utf8').catch(() => '')).trim();
  return key || undefined;
}

/**
 * When a govflow server is running, CLI commands go through its HTTP API (an embedded database can be opened
 * by one process only); otherwise they open the database themselves.
 */
export async function reachableServer(explicit: string | undefined): Promise<string | undefined> {
  const base = explicit ?? process.env['GOVFLOW_URL'] ?? `http://127.0.0.1:${process.env['GOVFLOW_PORT'] ?? 3000}`;
  try {
    const response = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok ? base : undefined;
  } catch {
    if (explicit) throw new Error(`no govflow server answers at ${explicit}`);
    return undefined;
  }
}

export async function callApi(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const key = await cliApiKey();
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const payload = (await response.json()) as unknown;
  if (!response.ok) {
    // The server's coded error is re-raised as is, so the CLI prints the same code and details.
    const error = payload as { code?: string; message?: string; details?: { where?: string; line?: number; message: string }[] };
    const code = (error.code && error.code in ERROR_CATALOGUE ? error.code : 'GOVFLOW_ERR_INTERNAL') as ErrorCode;
    throw new GovflowError(code, error.message ?? response.statusText, error.details ?? []);
  }
  return payload;
}
