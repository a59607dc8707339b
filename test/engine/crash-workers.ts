/**
 * What the crash tests share: govflow worker processes (test/engine/fixtures/worker-process.ts) started on one
 * PostgreSQL database and killed with SIGKILL, and the two tables in which those workers record each side effect
 * (once per idempotency key) and each attempt at a job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/store/index.js';

const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'worker-process.ts');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Starts a worker process on `url`; `env` adds the worker's settings (CRASH_LOCK_MS and the like). */
export function startWorker(url: string, workerId: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, url, workerId], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, GOVFLOW_LOG_LEVEL: 'silent' },
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${workerId}] ${chunk.toString()}`));
  child.stdout!.resume();
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

/** The tables the workers write: one row per side effect (its idempotency key unique), one per job attempt. */
export async function createSideEffectTables(db: Database): Promise<void> {
  await db.exec(`create table side_effect (idempotency_key text primary key, instance_id bigint not null, element_id text not null, worker text not null, at timestamptz not null default clock_timestamp());
      create table job_attempt (id bigserial primary key, idempotency_key text not null, worker text not null, at timestamptz not null default clock_timestamp())`);
}
