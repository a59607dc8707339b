import type { AddressInfo } from 'node:net';
import { createApiServer } from '../../src/api/index.js';
import { randomBytes } from 'node:crypto';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { createIdentity, type Identity } from '../../src/identity/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface TestApi {
  readonly base: string;
  readonly db: Database;
  readonly engine: Engine;
  readonly identity: Identity;
  /** The `Authorization` header every request sends unless the test passes its own (`''` sends none). */
  readonly authorization: string;
  // Response bodies are whatever the API sent; tests assert on their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A real govflow API on a loopback port over a fresh database of the given backend. */
export async function startTestApi(backend: Backend, engineOptions: EngineOptions = {}): Promise<TestApi> {
  const db = await freshDatabase(backend);
  const engine = createEngine(db, engineOptions);
  // Requests authenticate with an API key holding every staff role the engine routes need (authorisation itself is
  // tested route by route in test/identity/authorisation-matrix.test.ts).
  const identity = createIdentity({ db, masterKey: randomBytes(32) });
  const { key } = await identity.createApiKey({ id: 'test-operator', roles: ['caseworker', 'manager', 'admin'] });
  const authorization = `Bearer ${key}`;
  const { server } = await createApiServer({ engine, db, authenticate: identity.authenticate });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    base, db, engine, identity, authorization,
    async request(method, path, body, headers = {}) {
      const { authorization: given, ...rest } = headers;
      const auth = given ?? authorization;
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: auth } : {}), ...rest },
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
