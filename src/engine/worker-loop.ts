import { GovflowError, toGovflowError, type ErrorCode, type ErrorDetail, type Logger } from '../kernel/index.js';
import type { ActivatedJob, Engine } from './engine.js';

export type JobHandler = (job: ActivatedJob) => Promise<Record<string, unknown> | void>;

export interface WorkerLoopOptions {
  /** Job types this process works on, with their handlers (built-in connectors or an embedding app's code). */
  readonly handlers?: Record<string, JobHandler>;
  /** Fire due timers (default true). */
  readonly timers?: boolean;
  readonly workerId?: string;
  /** Longest sleep between polls; NOTIFY wakes the loop earlier on PostgreSQL. Bounds the effect of clock jumps. */
  readonly maxPollMs?: number;
  readonly maxJobsPerPoll?: number;
  readonly lockMs?: number;
  readonly logger?: Logger;
  /**
   * Other background work run on every poll after timers and jobs (the read-model projectors): each returns how
   * much it did, and a loop that did something polls again at once instead of sleeping.
   */
  readonly tasks?: readonly (() => Promise<number>)[];
}

export interface WorkerLoop {
  stop(): Promise<void>;
  /** Resolves after the next full poll (tests use it to wait for background work). */
  poll(): Promise<void>;
}

/**
 * A handler's outcome that the process models as a BPMN error (`errorCode`): a boundary error event on the task
 * catches it and the case goes on by the path the model draws (e.g. a refusal letter); a model without one gets an
 * incident, as for any failure. It is a GovflowError too, so callers outside the loop see its stable code.
 */
export class JobBpmnError extends GovflowError {
  constructor(code: ErrorCode, readonly errorCode: string, message: string, details: readonly ErrorDetail[] = []) {
    super(code, message, details);
  }
}

/**
 * The background work of a govflow process: timers and job handlers. Sleeps until the next timer is due or
 * `maxPollMs` passes, whichever is sooner, and wakes on NOTIFY when a job is created. Sleeping at most
 * `maxPollMs` means a wall-clock jump forwards fires timers on the next poll and a jump backwards delays nothing
 * by more than that.
 */
export function startWorkerLoop(engine: Engine, options: WorkerLoopOptions = {}): WorkerLoop {
  const handlers = Object.entries(options.handlers ?? {});
  const workerId = options.workerId ?? `govflow-${process.pid}`;
  const maxPollMs = options.maxPollMs ?? 1000;
  let stopped = false;
  let wake: (() => void) | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  const waiters: (() => void)[] = [];

  void engine.onJobsAvailable(() => wake?.()).then((u) => {
    unlisten = u;
    if (stopped) void u();
  }).catch(() => {});

  async function runHandlers(): Promise<number> {
    let done = 0;
    await Promise.all(handlers.map(async ([type, handler]) => {
      const jobs = await engine.activateJobs({ type, worker: workerId, maxJobs: options.maxJobsPerPoll ?? 32, ...(options.lockMs ? { lockMs: options.lockMs } : {}) });
      await Promise.all(jobs.map(async (job) => {
        try {
          const variables = (await handler(job)) ?? {};
          await engine.completeJob(job.id, { worker: workerId, variables });
        } catch (error) {
          if (error instanceof JobBpmnError) {
            options.logger?.info({ jobId: job.id, type, errorCode: error.errorCode }, 'job handler threw a BPMN error');
            await engine.throwJobError(job.id, { worker: workerId, errorCode: error.errorCode, errorMessage: error.message }).catch(() => {});
            done++;
            return;
          }
          const coded = toGovflowError(error);
          options.logger?.warn({ err: error, jobId: job.id, type }, 'job handler failed');
          await engine.failJob(job.id, { worker: workerId, errorMessage: error instanceof Error ? error.message : coded.message, backoffMs: 1000 }).catch(() => {});
        }
        done++;
      }));
    }));
    return done;
  }

  const loop = (async () => {
    while (!stopped) {
      let busy = 0;
      try {
        if (options.timers !== false) busy += await engine.runDueTimers();
        busy += await runHandlers();
        for (const task of options.tasks ?? []) busy += await task();
      } catch (error) {
        options.logger?.error({ err: error }, 'worker loop poll failed; retrying');
      }
      for (const w of waiters.splice(0)) w();
      if (busy > 0 || stopped) continue;
      let sleep = maxPollMs;
      if (options.timers !== false) {
        const next = await engine.nextTimerDue().catch(() => null);
        if (next) sleep = Math.max(0, Math.min(sleep, next.getTime() - engine.clock.now().getTime()));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleep);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await unlisten?.();
    },
    poll() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        wake?.();
      });
    },
  };
}
