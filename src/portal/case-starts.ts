import type { Catalogue } from '../catalogue/index.js';
import type { Engine } from '../engine/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { PortalStore, type Submission } from './portal-store.js';
import { caseStartVariables, type OnSubmitted } from './submission-hooks.js';

/**
 * Starting the case of a recorded submission (issue 14: reads never write). The submit request starts it; a
 * submission whose start failed or whose process died in between is an outbox row (`portal_submission` without
 * `instance_id`) that the background loop finishes — never a page the citizen looks at, so every
 * GET of the portal is a pure read and the status page says "Received" until the case exists.
 */
export interface CaseStarts {
  /** Starts the submission's case unless it has one or another process holds the start; the instance id, or null. */
  start(submission: Submission): Promise<number | null>;
  /** Starts the cases of submissions left without one for at least `graceMs` (default 10 s); how many were started. */
  startPending(options?: { limit?: number; graceMs?: number }): Promise<number>;
  /** Runs `startPending` every `intervalMs` (default 15 s) until stopped; failures are logged and retried next round. */
  startLoop(options?: { intervalMs?: number }): { stop(): Promise<void> };
}

export function createCaseStarts(options: { engine: Engine; db: Database; catalogue: Pick<Catalogue, 'get'>; onSubmitted?: OnSubmitted; logger?: Logger }): CaseStarts {
  const { engine, catalogue } = options;
  const store = new PortalStore(options.db);
  const log = options.logger ?? createLogger({ name: 'portal' });

  async function start(submission: Submission): Promise<number | null> {
    if (submission.instanceId !== null) return submission.instanceId;
    if (!(await store.claimStart(submission.reference))) return null;
    try {
      // A start that died after the engine committed left the case behind: adopt it instead of starting a second.
      const existing = (await engine.listInstances({ businessKey: submission.reference, limit: 1 }))[0];
      const svc = catalogue.get(submission.serviceId);
      const instance = existing ?? await engine.startInstance(submission.processKey, {
        businessKey: submission.reference,
        variables: await caseStartVariables(options.db, submission, svc),
        actor: `citizen:${submission.citizenId}`,
      });
      await store.setInstance(submission.reference, instance.id, submission.citizenId, submission.serviceId,
        options.onSubmitted ? (tx) => options.onSubmitted!(tx, { ...submission, instanceId: instance.id, serviceTitle: svc?.title ?? submission.serviceId }) : undefined);
      return instance.id;
    } catch (error) {
      await store.releaseStart(submission.reference);
      throw error;
    }
  }

  async function startPending(opts: { limit?: number; graceMs?: number } = {}): Promise<number> {
    let started = 0;
    for (const submission of await store.submissionsWithoutCase(opts.limit ?? 50, opts.graceMs ?? 10_000)) {
      try {
        if (await start(submission) !== null) started++;
      } catch (error) {
        log.warn({ err: error, reference: submission.reference }, 'the case of a submission could not be started yet; retried next round');
      }
    }
    return started;
  }

  function startLoop(loop: { intervalMs?: number } = {}): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const timer = setInterval(() => {
      if (!stopped) running = startPending().catch((err: unknown) => log.error({ err }, 'starting pending cases failed; retried next round'));
    }, loop.intervalMs ?? 15_000);
    timer.unref();
    return {
      async stop() {
        stopped = true;
        clearInterval(timer);
        await running;
      },
    };
  }

  return { start, startPending, startLoop };
}
