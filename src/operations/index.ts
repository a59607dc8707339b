/**
 * Running govflow in production: Prometheus metrics, OpenTelemetry traces, rate limits shared through the database,
 * the change feed that keeps several processes on one database in step, and the operators' pages (audit events,
 * incidents, notifications). See docs/operations.md.
 */
export { createMetrics, ENGINE_OPERATIONS } from './metrics.js';
export type { EngineOperation, Metrics, MetricsOptions, StepObserver } from './metrics.js';
export { startTracing } from './tracing.js';
export type { Tracing } from './tracing.js';
export { configureRateLimits, DEFAULT_RATE_LIMITS, ruleFor, useRateLimits } from './rate-limits.js';
export type { RateLimitRule } from './rate-limits.js';
export { CHANGE_CHANNEL, startChangeFeed } from './change-feed.js';
export type { ChangeFeed, ChangeKind } from './change-feed.js';
export { createOversightPlugin, parseAuditFilter } from './oversight-pages.js';
export type { OversightOptions } from './oversight-pages.js';
