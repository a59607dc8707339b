/**
 * Shared set-up for the engine behaviour tests: one fresh database and one engine on a manual clock per suite,
 * and small helpers that drive an instance and read back its state and event log.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createEngine, createManualClock, type Engine, type EngineOptions, type EventView, type ManualClock, type ProcessInstanceView } from '../../src/engine/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface Harness {
  db: Database;
  engine: Engine;
  clock: ManualClock;
}

/** Registers before/after hooks for a suite: a fresh, migrated database and an engine on a manual clock. */
export function useEngine(backend: Backend, options: Omit<EngineOptions, 'clock'> = {}): Harness {
  const h = {} as Harness;
  before(async () => {
    h.db = await freshDatabase(backend);
    h.clock = createManualClock('2026-03-02T09:00:00Z');
    h.engine = createEngine(h.db, { ...options, clock: h.clock });
  });
  after(async () => {
    await h.db?.close();
  });
  return h;
}

export async function deploy(h: Harness, xml: string, name = 'model.bpmn') {
  return h.engine.deploy([{ name, content: xml }]);
}

/** The event log as `type:elementId` (or just `type` for instance-level events). */
export function trace(events: readonly EventView[]): string[] {
  return events.map((e) => (e.elementId ? `${e.type}:${e.elementId}` : e.type));
}

/** Reads the event log, checks that it is numbered 1..n without gaps, and returns it. */
export async function eventLog(h: Harness, instanceId: number): Promise<EventView[]> {
  const events = await h.engine.getEvents(instanceId);
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), `event log of instance ${instanceId} has gaps: ${events.map((e) => e.seq).join(',')}`);
  return events;
}

/** `type:elementId` entries of the log, without the step bookkeeping of gateways and start events. */
export async function traceOf(h: Harness, instanceId: number): Promise<string[]> {
  return trace(await eventLog(h, instanceId));
}

/** Asserts that `expected` occurs in `actual` in this order (other entries may come between). */
export function assertInOrder(actual: readonly string[], expected: readonly string[]): void {
  let at = 0;
  for (const entry of actual) if (entry === expected[at]) at++;
  assert.equal(at, expected.length, `expected, in order: ${expected.join(' → ')}\n         got: ${actual.join(' → ')}\n  missing from: ${expected[at]}`);
}

export function count(actual: readonly string[], entry: string): number {
  return actual.filter((e) => e === entry).length;
}

export async function instance(h: Harness, id: number): Promise<ProcessInstanceView> {
  return h.engine.getInstance(id);
}

/** The element ids holding a token, sorted. */
export async function activeElements(h: Harness, id: number): Promise<string[]> {
  return (await h.engine.getInstance(id)).activeElements.map((a) => a.elementId).sort();
}

export async function assertCompleted(h: Harness, id: number): Promise<ProcessInstanceView> {
  const view = await h.engine.getInstance(id);
  assert.equal(view.state, 'completed', `instance ${id} is ${view.state}, active: ${view.activeElements.map((a) => `${a.elementId}(${a.waitingFor})`).join(', ')}`);
  assert.deepEqual(view.activeElements, []);
  assert.ok(view.endedAt);
  const events = await eventLog(h, id);
  assert.equal(events.at(-1)!.type, 'process.completed');
  return view;
}

/** Activates and completes every ready job of a type (for the given instance when set); returns them. */
export async function completeJobs(h: Harness, type: string, variables: Record<string, unknown> = {}, instanceId?: number) {
  const jobs = (await h.engine.activateJobs({ type, worker: 'w', maxJobs: 100 })).filter((j) => instanceId === undefined || j.instanceId === instanceId);
  for (const j of jobs) await h.engine.completeJob(j.id, { worker: 'w', variables });
  return jobs;
}

/** Activates exactly one job of a type and returns it (locked by worker 'w'). */
export async function oneJob(h: Harness, type: string) {
  const jobs = await h.engine.activateJobs({ type, worker: 'w', maxJobs: 100 });
  assert.equal(jobs.length, 1, `expected one '${type}' job, got ${jobs.length}`);
  return jobs[0]!;
}

/** The open user tasks of an instance. */
export async function tasksOf(h: Harness, instanceId: number) {
  return h.engine.listTasks({ instanceId });
}

/** Advances the manual clock and fires what is due; returns how many timers fired. */
export async function advance(h: Harness, ms: number): Promise<number> {
  h.clock.advance(ms);
  return h.engine.runDueTimers(1000);
}

export async function rowCount(h: Harness, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await h.db.query<{ n: string | number }>(`select count(*) as n from (${sql}) q`, params);
  return Number(rows[0]!.n);
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** Runs `fn` and returns the coded error it throws. */
export async function rejection(fn: () => Promise<unknown>): Promise<{ code: string; status: number; message: string; details: { where?: string; line?: number; message: string }[] }> {
  try {
    await fn();
  } catch (error) {
    return error as never;
  }
  assert.fail('expected an error');
}
