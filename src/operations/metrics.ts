/** Serves Prometheus metrics at /metrics (a token or an admin's session) and counts what the engine, server and jobs do. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { workBacklog, type Engine, type JobHandler } from '../engine/index.js';
import { hasRole, type Principal } from '../identity/index.js';
import { GovflowError, safeEqual, type Logger } from '../kernel/index.js';
import { ledgerHealth } from '../ledger/index.js';
import { outboxBacklog } from '../notifications/index.js';
import { createRouteLatency } from './route-latency.js';
import type { Database } from '../store/index.js';

/** The engine operations that run a step (one transaction each); they are counted and timed. */
export const ENGINE_OPERATIONS = [
  'startInstance', 'completeTask', 'completeJob', 'failJob', 'throwJobError', 'publishMessage', 'broadcastSignal', 'cancelInstance', 'setVariables', 'resolveIncident',
] as const;
export type EngineOperation = (typeof ENGINE_OPERATIONS)[number] | 'timer';

/** Something that wants to hear about each engine step (the tracer does). */
export type StepObserver = (operation: EngineOperation) => { end(error?: unknown): void };

export interface Metrics {
  readonly registry: Registry;
  /** Root-level hooks: every request's latency by route pattern (never by raw URL: ids would explode the series). */
  instrumentServer(server: FastifyInstance): void;
  /** Replaces the engine's step operations on this instance by counted, timed ones. */
  instrumentEngine(engine: Engine, observer?: StepObserver): void;
  /** Counts a notification delivery attempt (the outbox sender's `onAttempt`). */
  countNotificationAttempt(outcome: 'sent' | 'retry' | 'failed'): void;
  /** A registry-lookup job handler whose calls are timed by registry and outcome. */
  timeRegistryLookups(handler: JobHandler): JobHandler;
  /** `GET /metrics`, for a Prometheus server (bearer token) or a signed-in admin or auditor. */
  readonly plugin: (server: FastifyInstance) => Promise<void>;
}

export interface MetricsOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly logger?: Logger;
  /** GOVFLOW_METRICS_TOKEN: a scraper sends `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Who a request comes from (session or API key), for admins and auditors reading the metrics in a browser. */
  readonly authenticate: (request: FastifyRequest) => Promise<Principal | null>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'govflow_' });
  const http = createRouteLatency(registry, { name: 'govflow_http_request_duration_seconds', help: 'HTTP request latency by route pattern, method and status', buckets: LATENCY_BUCKETS });
  const steps = new Counter({ name: 'govflow_engine_steps_total', help: 'Engine steps run by this process, by operation and outcome (a fired timer is one step)', labelNames: ['operation', 'outcome'], registers: [registry] });
  const stepLatency = new Histogram({ name: 'govflow_engine_step_duration_seconds', help: 'Engine step latency by operation (one transaction each; timers: a poll\'s time per timer fired)', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const registryCalls = new Histogram({ name: 'govflow_registry_call_duration_seconds', help: 'Registry lookups (signed request, verified answer, recorded on the case) by registry and outcome', labelNames: ['registry', 'outcome'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const deliveries = new Counter({ name: 'govflow_notification_delivery_attempts_total', help: 'E-mail delivery attempts by this process: sent, failed to be retried, failed for good', labelNames: ['outcome'], registers: [registry] });
  const collectErrors = new Counter({ name: 'govflow_metrics_collect_errors_total', help: 'Scrapes whose database figures could not be read', registers: [registry] });

  // Database-wide figures (the same in every process on the database: aggregate them with max, not sum). Read once
  // per scrape, in parallel, whichever gauge asks first.
  type Snapshot = { backlog: Awaited<ReturnType<typeof workBacklog>>; ledger: Awaited<ReturnType<typeof ledgerHealth>>; outbox: Awaited<ReturnType<typeof outboxBacklog>> };
  let pending: Promise<Snapshot | null> | undefined;
  const snapshot = (): Promise<Snapshot | null> => {
    pending ??= Promise.all([workBacklog(options.db, options.engine.clock.now()), ledgerHealth(options.db), outboxBacklog(options.db)])
      .then(([backlog, ledger, outbox]) => ({ backlog, ledger, outbox }))
      .catch((error: unknown) => {
        collectErrors.inc();
        options.logger?.warn({ err: error }, 'metrics: database figures could not be read');
        return null;
      })
      .finally(() => setTimeout(() => { pending = undefined; }, 250).unref());
    return pending;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Snapshot) => void): void => {
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        if (s) fill(this, s);
      },
    });
  };
  gauge('govflow_jobs_due', 'Ready jobs whose due time has passed, by job type', ['type'], (g, s) => {
    for (const d of s.backlog.due) if (d.kind === 'task') g.set({ type: d.type }, d.count);
  });
  gauge('govflow_job_lag_seconds', 'How late the oldest due job of each type is', ['type'], (g, s) => {
    for (const d of s.backlog.due) if (d.kind === 'task') g.set({ type: d.type }, d.oldestLagSeconds);
  });
  gauge('govflow_timers_due', 'Timers whose due time has passed and that have not fired yet', [], (g, s) => g.set(s.backlog.due.filter((d) => d.kind === 'timer').reduce((n, d) => n + d.count, 0)));
  gauge('govflow_timer_lag_seconds', 'How late the oldest due timer is', [], (g, s) => g.set(Math.max(0, ...s.backlog.due.filter((d) => d.kind === 'timer').map((d) => d.oldestLagSeconds))));
  gauge('govflow_jobs_expired_locks', 'Jobs whose worker lock expired (the worker died or hung)', [], (g, s) => g.set(s.backlog.expiredLocks));
  gauge('govflow_incidents_open', 'Open incidents (work that needs a person)', [], (g, s) => g.set(s.backlog.openIncidents));
  gauge('govflow_ledger_unsealed_events', 'Events not yet sealed into the ledger', [], (g, s) => g.set(s.ledger.unsealed));
  gauge('govflow_ledger_sealer_lag_seconds', 'Seconds since the sealer was last caught up (0 when nothing waits)', [], (g, s) => g.set(s.ledger.lagSeconds));
  gauge('govflow_notifications_queued', 'Notifications waiting to be sent (including retries not yet due)', [], (g, s) => g.set(s.outbox.queued));
  gauge('govflow_notifications_failed', 'Notifications that failed after all attempts (resend them from /operations/notifications)', [], (g, s) => g.set(s.outbox.failed));
  gauge('govflow_notification_outbox_lag_seconds', 'How long the oldest due notification has waited past its attempt time', [], (g, s) => g.set(s.outbox.oldestDueLagSeconds));

  return {
    registry,
    instrumentServer(server) {
      // A callback hook: an async one costs a promise per response.
      server.addHook('onResponse', (request, reply, done) => {
        http.observe(request.method, request.routeOptions.url ?? '(no route)', reply.statusCode, reply.elapsedTime / 1000);
        done();
      });
    },
    instrumentEngine(engine, observer) {
      const target = engine as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      for (const operation of ENGINE_OPERATIONS) {
        const original = target[operation]!.bind(engine);
        target[operation] = async (...args: unknown[]) => {
          const end = stepLatency.startTimer({ operation });
          const span = observer?.(operation);
          try {
            const result = await original(...args);
            steps.inc({ operation, outcome: 'ok' });
            span?.end();
            return result;
          } catch (error) {
            steps.inc({ operation, outcome: 'error' });
            span?.end(error);
            throw error;
          } finally {
            end();
          }
        };
      }
      const runDueTimers = engine.runDueTimers.bind(engine);
      engine.runDueTimers = async (limit?: number) => {
        const started = performance.now();
        const span = observer?.('timer');
        const fired = await runDueTimers(limit).catch((error: unknown) => {
          span?.end(error);
          throw error;
        });
        span?.end();
        if (fired > 0) {
          steps.inc({ operation: 'timer', outcome: 'ok' }, fired);
          stepLatency.observe({ operation: 'timer' }, (performance.now() - started) / 1000 / fired);
        }
        return fired;
      };
    },
    countNotificationAttempt(outcome) {
      deliveries.inc({ outcome });
    },
    timeRegistryLookups(handler) {
      return async (job) => {
        const end = registryCalls.startTimer({ registry: job.headers['registry'] ?? 'unknown' });
        try {
          const result = await handler(job);
          end({ outcome: 'ok' });
          return result;
        } catch (error) {
          end({ outcome: error instanceof GovflowError ? error.code.replace(/^GOVFLOW_ERR_/, '').toLowerCase() : 'error' });
          throw error;
        }
      };
    },
    plugin: async (server) => {
      server.get('/metrics', async (request, reply) => {
        const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
        const byToken = options.token !== undefined && options.token !== '' && bearer !== undefined && safeEqual(bearer, options.token);
        if (!byToken) {
          const principal = await options.authenticate(request);
          if (!principal) throw new GovflowError('GOVFLOW_ERR_UNAUTHENTICATED', 'send the metrics token (Authorization: Bearer …) or sign in as an admin or auditor');
          if (!hasRole(principal, ['admin', 'auditor'])) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'the metrics are for admins, auditors and the metrics token');
        }
        const text = await registry.metrics();
        return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
      });
    },
  };
}
