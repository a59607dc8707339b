// /metrics scraped and read with an independent Prometheus text-format parser (the official Python client's), and a burst on every rate-limited
// route: 429 with Retry-After, never a 5xx, and the server still healthy. On both backends (the counters are rows).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { enqueueNotification } from '../../src/notifications/index.js';
import { configureRateLimits, DEFAULT_RATE_LIMITS, ruleFor } from '../../src/operations/index.js';
import { bpmn, job } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { parsePrometheusText, prometheusParserMissing, type PrometheusFamily } from '../support/prometheus-parser.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';

const TOKEN = 'metrics-token-for-the-test-0123456789';
const LIMITS = { signIn: 6, verify: 3, submissions: 3, uploads: 3, api: 4 };

describeEachBackend('operations: /metrics and rate limits', (backend) => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let base: string;
  let auditor: string;
  let citizen: string;
  const previous = { token: process.env['GOVFLOW_METRICS_TOKEN'], smtp: process.env['GOVFLOW_SMTP_URL'] };

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-metrics-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    process.env['GOVFLOW_METRICS_TOKEN'] = TOKEN;
    // A mail server that refuses every connection: each delivery attempt fails and is counted.
    process.env['GOVFLOW_SMTP_URL'] = 'smtp://127.0.0.1:1';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow, { rateLimits: `sign-in=${LIMITS.signIn}/1m,verify=${LIMITS.verify}/1m,submissions=${LIMITS.submissions}/1m,uploads=${LIMITS.uploads}/1m,api=${LIMITS.api}/1m` });
    base = running.url;
    // Three sign-in posts (password, code; the citizen's one): the burst below starts from there.
    auditor = await signInStaff(base, 'aud');
    citizen = await signInCitizen(base, 'alex');
  });
  after(async () => {
    for (const [key, value] of [['GOVFLOW_METRICS_TOKEN', previous.token], ['GOVFLOW_SMTP_URL', previous.smtp]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<PrometheusFamily[]> => {
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  const family = (families: PrometheusFamily[], name: string): PrometheusFamily => {
    const found = families.find((f) => f.name === name);
    assert.ok(found, `metric family ${name} is exposed`);
    return found;
  };
  /** The value of the sample `sample` (default: the family's name) whose labels include `labels`. */
  const valueOf = (families: PrometheusFamily[], name: string, labels: Record<string, string> = {}, sample = name): number | undefined => {
    const found = family(families, name).samples.find((m) => m.name === sample && Object.entries(labels).every(([k, v]) => m.labels[k] === v));
    return found?.value;
  };

  it('exposes HTTP latency by route pattern, engine steps, the job backlog, incidents, ledger and outbox figures', { skip: prometheusParserMissing() ?? false }, async () => {
    const { engine } = govflow;
    await engine.deploy([{ name: 'probe.bpmn', content: bpmn('metrics-probe', `<startEvent id="s"/>${job('work', 'probe-unworked')}<endEvent id="e"/>`, 's -> work; work -> e') }]);
    await engine.startInstance('metrics-probe');
    await engine.startInstance('metrics-probe');
    const [claimed] = await engine.activateJobs({ type: 'probe-unworked', worker: 'metrics-test', maxJobs: 1 });
    assert.ok(claimed);
    await engine.failJob(claimed.id, { worker: 'metrics-test', retries: 0, errorMessage: 'the probe gives up' });
    // A route with an id: the histogram must say /api/process-instances/:id, never the id asked for.
    await (await fetch(`${base}/api/process-instances/987654`, { headers: { cookie: auditor } })).arrayBuffer();
    await (await fetch(`${base}/api/health`)).arrayBuffer();

    const families = await scrape();
    const http = family(families, 'govflow_http_request_duration_seconds');
    assert.equal(http.type, 'histogram');
    const routes = new Set(http.samples.map((m) => m.labels['route']));
    assert.ok(routes.has('/api/process-instances/:id'), `routes seen: ${[...routes].join(', ')}`);
    assert.ok(routes.has('/api/health'));
    assert.ok(http.samples.every((m) => !JSON.stringify(m.labels).includes('987654')), 'no raw URL in any label');
    const healthCount = valueOf(families, 'govflow_http_request_duration_seconds', { route: '/api/health', method: 'GET', status: '200' }, 'govflow_http_request_duration_seconds_count');
    assert.ok(healthCount !== undefined && healthCount >= 1);
    assert.equal(valueOf(families, 'govflow_http_request_duration_seconds', { route: '/api/health', method: 'GET', status: '200', le: '+Inf' }, 'govflow_http_request_duration_seconds_bucket'), healthCount);

    assert.equal(valueOf(families, 'govflow_engine_steps', { operation: 'startInstance', outcome: 'ok' }, 'govflow_engine_steps_total'), 2);
    assert.equal(valueOf(families, 'govflow_engine_steps', { operation: 'failJob', outcome: 'ok' }, 'govflow_engine_steps_total'), 1);
    assert.equal(family(families, 'govflow_engine_steps').type, 'counter');
    assert.equal(valueOf(families, 'govflow_engine_step_duration_seconds', { operation: 'startInstance' }, 'govflow_engine_step_duration_seconds_count'), 2);
    // Two jobs were created, one ran out of retries: one still due, one incident.
    assert.equal(valueOf(families, 'govflow_jobs_due', { type: 'probe-unworked' }), 1);
    assert.ok((valueOf(families, 'govflow_job_lag_seconds', { type: 'probe-unworked' }) ?? -1) >= 0);
    assert.equal(valueOf(families, 'govflow_incidents_open'), (await engine.listIncidents({ state: 'open' })).length);
    assert.equal(valueOf(families, 'govflow_incidents_open'), 1);
    for (const name of ['govflow_timers_due', 'govflow_timer_lag_seconds', 'govflow_ledger_unsealed_events', 'govflow_ledger_sealer_lag_seconds', 'govflow_notifications_queued', 'govflow_notifications_failed', 'govflow_notification_outbox_lag_seconds']) {
      const v = valueOf(families, name);
      assert.ok(v !== undefined && Number.isFinite(v) && v >= 0, `${name} = ${v}`);
    }
    assert.equal(family(families, 'govflow_registry_call_duration_seconds').type, 'histogram');
    assert.equal(valueOf(families, 'govflow_metrics_collect_errors', {}, 'govflow_metrics_collect_errors_total'), 0);
  });

  it('counts failed delivery attempts and the waiting message while the mail server refuses', { skip: prometheusParserMissing() ?? false }, async () => {
    await govflow.db.transaction((tx) => enqueueNotification(tx, { template: 'information-requested', to: 'applicant@example.org', idempotencyKey: 'metrics-test',
      values: { applicantName: 'Alex', reference: 'BP-2026-000001', serviceName: 'Building permit', informationRequest: 'A site plan', statusUrl: 'http://127.0.0.1/applications/BP-2026-000001', agencyName: 'Demo Municipality', date: '2026-03-01' } }));
    const families = await eventually('a failed delivery attempt to be counted', async () => {
      const scraped = await scrape();
      return (valueOf(scraped, 'govflow_notification_delivery_attempts', { outcome: 'retry' }, 'govflow_notification_delivery_attempts_total') ?? 0) >= 1 ? scraped : null;
    }, { timeoutMs: 30_000, between: () => new Promise((resolve) => setTimeout(resolve, 250)) });
    assert.equal(valueOf(families, 'govflow_notification_delivery_attempts', { outcome: 'sent' }, 'govflow_notification_delivery_attempts_total'), undefined);
    assert.equal(valueOf(families, 'govflow_notifications_queued'), 1);
    assert.equal(valueOf(families, 'govflow_notifications_failed'), 0);
  });

  it('serves /metrics to the metrics token and to admins and auditors only', async () => {
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);
    assert.equal((await fetch(`${base}/metrics`, { headers: { cookie: citizen } })).status, 403);
    const asAuditor = await fetch(`${base}/metrics`, { headers: { cookie: auditor } });
    assert.equal(asAuditor.status, 200);
    assert.match(await asAuditor.text(), /^# TYPE govflow_incidents_open gauge$/m);
  });

  it('answers a burst on each rate-limited route with 429 and Retry-After, never a 5xx, and stays healthy', async () => {
    const multipart = { 'content-type': 'multipart/form-data; boundary=x' };
    const bursts: { rule: string; limit: number; already: number; send: () => Promise<Response> }[] = [
      { rule: 'sign-in', limit: LIMITS.signIn, already: 3, send: () => fetch(`${base}/staff/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=aud&password=wrong' }) },
      { rule: 'verify', limit: LIMITS.verify, already: 0, send: () => fetch(`${base}/verify/ABCDEF`) },
      { rule: 'submissions', limit: LIMITS.submissions, already: 0, send: () => fetch(`${base}/services/building-permit/submit`, { method: 'POST', redirect: 'manual', headers: { cookie: citizen, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' }) },
      // Both kinds of upload share one counter: the documents page and a question page's files.
      { rule: 'uploads', limit: LIMITS.uploads, already: 0, send: (() => { let n = 0; return () => fetch(n++ % 2 === 0 ? `${base}/applications/BP-2026-000001/documents` : `${base}/services/building-permit/apply/about-you`, { method: 'POST', redirect: 'manual', headers: { cookie: citizen, ...multipart }, body: '--x--\r\n' }); })() },
      { rule: 'api', limit: LIMITS.api, already: 1, send: () => fetch(`${base}/api/process-instances`) },
    ];
    for (const burst of bursts) {
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = burst.already; i < burst.limit + 3; i++) {
        const response = await burst.send();
        statuses.push(response.status);
        if (response.status === 429) refused ??= response;
        else await response.arrayBuffer();
      }
      assert.ok(statuses.every((s) => s < 500), `${burst.rule}: no 5xx (${statuses.join(' ')})`);
      const allowed = burst.limit - burst.already;
      assert.ok(statuses.slice(0, allowed).every((s) => s !== 429), `${burst.rule}: the first ${allowed} pass (${statuses.join(' ')})`);
      assert.ok(statuses.slice(allowed).every((s) => s === 429), `${burst.rule}: the rest get 429 (${statuses.join(' ')})`);
      const retryAfter = Number(refused!.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `${burst.rule}: Retry-After ${refused!.headers.get('retry-after')}`);
      const body = await refused!.text();
      // The API answers in JSON; a page in HTML, or in the coded JSON where its plugin has no HTML error handler yet.
      if (/json/.test(refused!.headers.get('content-type') ?? '')) assert.equal((JSON.parse(body) as { code: string }).code, 'GOVFLOW_ERR_RATE_LIMITED', burst.rule);
      else assert.match(body, /There is a problem|Too many requests/, burst.rule);
    }
    // Routes without a rule are not counted; the server is healthy.
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${base}/`)).status, 200);
    assert.equal((await fetch(`${base}/api/health`)).status, 200);
  });
});

describe('rate-limit table', () => {
  it('limits the public endpoints announced for later, by route pattern, and leaves health checks alone', () => {
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'POST', '/open311/v2/requests.json')?.name, 'public');
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'POST', '/report-a-problem')?.name, 'submissions');
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'GET', '/assistant')?.name, 'public');
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'POST', '/api/verify')?.name, 'verify');
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'GET', '/api/process-instances/:id')?.name, 'api');
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'GET', '/api/health'), undefined);
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'GET', '/staff/sign-in'), undefined);
    assert.equal(ruleFor(DEFAULT_RATE_LIMITS, 'GET', undefined), undefined);
  });

  it('is configured by GOVFLOW_RATE_LIMITS, and a wrong entry is refused by name', () => {
    assert.deepEqual(configureRateLimits('off'), []);
    const set = configureRateLimits('api=10/30s,verify=off');
    assert.equal(set.find((r) => r.name === 'api')?.max, 10);
    assert.equal(set.find((r) => r.name === 'api')?.windowMs, 30_000);
    assert.equal(set.some((r) => r.name === 'verify'), false);
    assert.ok(configureRateLimits('*=5/1h').every((r) => r.max === 5 && r.windowMs === 3_600_000));
    assert.throws(() => configureRateLimits('sign-on=5/1m'), /'sign-on=5\/1m' is not 'rule=max\/window'.*sign-in/);
    assert.throws(() => configureRateLimits('api=5'), /'api=5'/);
    assert.throws(() => configureRateLimits('api=0/1m'), /at least 1 request/);
  });
});
