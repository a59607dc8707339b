import type { AddressInfo } from 'node:net';
import { createApiServer } from '../../src/api/index.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface TestApi {
  readonly base: string;
  readonly db: Database;
  readonly engine: Engine;
  // Response bodies are whatever the API sent; tests assert on their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A real govflow API on a loopback port over a fresh database of the given backend. */
export async function startTestApi(backend: Backend, engineOptions: EngineOptions = {}): Promise<TestApi> {
  const db = await freshDatabase(backend);
  const engine = createEngine(db, engineOptions);
  const { server } = await createApiServer({ engine, db });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    base, db, engine,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text so a test can show it
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      await server.close();
      await db.close();
    },
  };
}
