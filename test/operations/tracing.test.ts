// OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, a govflow server exports its spans over OTLP/HTTP to a
// collector, here a loopback HTTP server that records what it receives; an incoming traceparent is continued.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { startTracing } from '../../src/operations/index.js';

interface OtlpSpan { traceId: string; parentSpanId?: string; name: string; kind: number; attributes: { key: string; value: Record<string, unknown> }[] }
interface OtlpExport { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

describe('OpenTelemetry traces', () => {
  let collector: Server;
  let collectorUrl: string;
  const received: { path: string; contentType: string; body: OtlpExport }[] = [];
  const saved = { endpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'], name: process.env['OTEL_SERVICE_NAME'] };

  before(async () => {
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ path: request.url ?? '', contentType: String(request.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    assert.ok(address && typeof address === 'object');
    collectorUrl = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await new Promise((resolve) => collector.close(resolve));
    for (const [key, value] of [['OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint], ['OTEL_SERVICE_NAME', saved.name]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('is off, and loads nothing, without an endpoint', async () => {
    assert.equal(await startTracing({}), undefined);
  });

  it('exports a span per request, named by route, continuing the caller\'s trace, and a span per engine step', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = collectorUrl;
    process.env['OTEL_SERVICE_NAME'] = 'govflow-trace-test';
    const dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-otel-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    let govflow: Govflow | undefined;
    try {
      govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
      const running = await startServer(govflow);
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const health = await fetch(`${running.url}/api/health`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.equal(health.status, 200);
      await (await fetch(`${running.url}/services/building-permit`)).arrayBuffer();
      await govflow.engine.deploy([{ name: 'trace.bpmn', content: '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t"><process id="traced" isExecutable="true"><startEvent id="s"/><endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/></process></definitions>' }]);
      await govflow.engine.startInstance('traced');
      await running.stop(); // flushes the exporter
      const spans = received.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
      assert.ok(received.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json')), JSON.stringify(received.map((r) => [r.path, r.contentType])));
      const service = received[0]?.body.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
      assert.equal(service, 'govflow-trace-test');
      const healthSpan = spans.find((s) => s.name === 'GET /api/health');
      assert.ok(healthSpan, `spans: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(healthSpan.traceId, traceId);
      assert.equal(healthSpan.parentSpanId, '00f067aa0ba902b7');
      assert.equal(healthSpan.kind, 2); // SERVER
      assert.ok(healthSpan.attributes.some((a) => a.key === 'http.response.status_code' && Number(a.value['intValue']) === 200));
      assert.ok(spans.some((s) => s.name === 'GET /services/:id'), 'the route pattern, not the URL');
      assert.ok(spans.some((s) => s.name === 'engine startInstance'));
    } finally {
      await govflow?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
