import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../kernel/index.js';
import type { StepObserver } from './metrics.js';

/** OpenTelemetry traces of this process: a span per HTTP request and per engine step, exported over OTLP/HTTP. */
export interface Tracing {
  /** Root-level hooks: a server span per request, named by route pattern, child of an incoming `traceparent`. */
  instrumentServer(server: FastifyInstance): void;
  /** A span per engine step (its own trace: steps also run from timers and workers, outside any request). */
  readonly stepObserver: StepObserver;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, the full URL),
 * and only then loads the OpenTelemetry SDK: a process without a collector pays nothing for it. Service name from
 * `OTEL_SERVICE_NAME` (default `govflow`).
 */
export async function startTracing(env: NodeJS.ProcessEnv, logger?: Logger): Promise<Tracing | undefined> {
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  const tracesUrl = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim() || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!tracesUrl) return undefined;
  const [api, sdk, exporterModule, resources, core] = await Promise.all([
    import('@opentelemetry/api'), import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/resources'), import('@opentelemetry/core'),
  ]);
  const exporter = new exporterModule.OTLPTraceExporter({ url: tracesUrl });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || 'govflow', 'service.instance.id': `${process.pid}` }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('govflow');
  const propagator = new core.W3CTraceContextPropagator();
  const getter = {
    keys: (carrier: FastifyRequest['headers']) => Object.keys(carrier),
    get: (carrier: FastifyRequest['headers'], key: string) => carrier[key],
  };
  logger?.info({ url: tracesUrl }, 'OpenTelemetry traces are exported over OTLP/HTTP');

  const finish = (span: Span, failed: unknown): void => {
    if (failed !== undefined) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: failed instanceof Error ? failed.message : String(failed) });
    }
    span.end();
  };
  return {
    instrumentServer(server) {
      const spans = new WeakMap<FastifyRequest, Span>();
      server.addHook('onRequest', async (request) => {
        const parent = propagator.extract(api.ROOT_CONTEXT, request.headers, getter);
        const route = request.routeOptions.url ?? '(no route)';
        spans.set(request, tracer.startSpan(`${request.method} ${route}`, {
          kind: api.SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] ?? '' },
        }, parent));
      });
      server.addHook('onResponse', async (request, reply) => {
        const span = spans.get(request);
        if (!span) return;
        span.setAttribute('http.response.status_code', reply.statusCode);
        finish(span, reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
      });
      server.addHook('onRequestAbort', async (request) => {
        const span = spans.get(request);
        if (span) finish(span, 'request aborted by the client');
      });
    },
    stepObserver: (operation) => {
      const span = tracer.startSpan(`engine ${operation}`, { kind: api.SpanKind.INTERNAL, attributes: { 'govflow.engine.operation': operation } });
      return { end: (error?: unknown) => finish(span, error) };
    },
    shutdown: () => provider.shutdown(),
  };
}
