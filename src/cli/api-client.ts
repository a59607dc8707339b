import { ERROR_CATALOGUE, GovflowError, type ErrorCode } from '../kernel/index.js';

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
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
