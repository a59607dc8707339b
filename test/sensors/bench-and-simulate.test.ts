/**
 * Issue 22, acceptance 5's tools at toy sizes (speed is the bench's business, not this file's): `govflow bench
 * sensors --json` prints its figures and really stored what it says (readings acknowledged = readings stored, one
 * case per alarm sample, the seeded series); `govflow simulate sensors` sends a demo city's readings to a running
 * govflow whose rules open cases, and names what is wrong with bad arguments or a refused key.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { issueApiKey } from '../../src/identity/index.js';
import { casesOf, queryEntities } from '../../src/sensors/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { cli } from '../support/cli-in-process.js';
import { eventually } from '../support/eventually.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';

interface IngestFigures { observationsPerSecond: number; acknowledged: number; stored: number; messages: number }

describeEachBackend('bench sensors and simulate sensors', () => {
  it('bench sensors --json: figures for each part, and what it says it stored is in the database', async () => {
    const url = await createServerDatabase();
    const { code, stdout: out, stderr: err } = await cli(['bench', 'sensors', '--json', '--database-url', url, '--observations', '2000', '--seconds', '1', '--warmup', '0',
      '--clients', '2', '--assets', '20', '--batch', '5', '--samples', '2', '--connections', '1']);
    assert.equal(code, 0, err);
    const report = JSON.parse(out) as {
      backend: string; ingest: { mqtt: IngestFigures; ngsiLd: IngestFigures }; publishToCase: { samples: number; casesOpened: number; p99Ms: number };
      seriesRead: { storedObservations: number; entityId: string; p99Ms: number; requestsPerSecond: number }; baseline: { p99Ms: number; requestsPerSecond: number };
      ratios: Record<string, number>; goalMet: Record<string, boolean>; storedExactlyOnce: boolean; load: { before: { loadAverage: number[] } };
    };
    assert.equal(report.backend, 'postgresql');
    for (const part of [report.ingest.mqtt, report.ingest.ngsiLd]) {
      assert.ok(part.messages > 0 && part.acknowledged > 0, JSON.stringify(part));
      assert.equal(part.stored, part.acknowledged, 'every acknowledged reading stored once');
      assert.equal(typeof part.observationsPerSecond, 'number');
    }
    assert.equal(report.storedExactlyOnce, true);
    assert.deepEqual([report.publishToCase.samples, report.publishToCase.casesOpened], [2, 2]);
    assert.ok(report.seriesRead.requestsPerSecond > 0 && report.baseline.requestsPerSecond > 0);
    assert.deepEqual(Object.keys(report.ratios).sort(), ['seriesReadVsBaselineP99', 'seriesReadVsBaselineRequests']);
    assert.deepEqual(Object.keys(report.goalMet).sort(), ['mqtt', 'ngsiLd', 'seriesRead']);
    assert.equal(report.load.before.loadAverage.length, 3);

    // The database the bench used (it is left as it was): its counts, not the bench's.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await client.query<{ n: string }>(sql, params)).rows[0]!.n);
      assert.equal(await count("select count(*) as n from sensor_observation where entity_id like '%:bench-mqtt-%'"), report.ingest.mqtt.acknowledged);
      assert.equal(await count("select count(*) as n from sensor_observation where entity_id like '%:bench-ngsi-ld-%'"), report.ingest.ngsiLd.acknowledged);
      assert.equal(await count("select count(*) as n from sensor_observation where entity_id like '%:series-%'"), report.seriesRead.storedObservations);
      assert.ok(report.seriesRead.storedObservations >= 1900, 'about the readings asked for');
      assert.equal(await count("select count(distinct s.entity_id) as n from sensor_case s join process_instance p on p.id = s.instance_id where s.entity_id like '%:bench-alarm-%' and p.process_key = 'sensor-alarm'"), 2);
    } finally {
      await client.end();
    }
  });

  let server: DemoServer;
  let key: string;
  before(async () => {
    server = await startDemoServer('simulate-sensors', { databaseUrl: await createServerDatabase() });
    ({ key } = await issueApiKey(server.govflow.db, { name: 'simulator', scopes: ['sensors'], services: [] }, 'test'));
  });
  after(async () => server?.stop());

  it('simulate sensors: a demo city reports to a running govflow over NGSI-LD and its breaches open cases', async () => {
    const { code, stdout: out, stderr: err } = await cli(['simulate', 'sensors', '--url', server.running.url, '--api-key', key, '--rate', '40', '--duration', '1.5', '--assets', '10', '--breach-rate', '1', '--json']);
    assert.equal(code, 0, err);
    const summary = JSON.parse(out) as { readings: number; assets: number; transport: string };
    assert.equal(summary.transport, 'ngsi-ld');
    assert.ok(summary.readings >= 10, `at least one reading per asset (${summary.readings})`);
    const stored = await queryEntities(server.govflow.db, { limit: 100, offset: 0 });
    assert.equal(stored.count, 10, 'the ten assets, the five models in turn');
    assert.deepEqual(new Set(stored.entities.map((e) => e.type)), new Set(['WasteContainer', 'Streetlight', 'TrafficFlowObserved', 'AirQualityObserved', 'ParkingSpot']));
    // A batch is answered once stored; the rules run right after it, so the last batch's cases may follow the CLI's exit.
    const wanted = ['container-full', 'light-fault', 'air-quality-no2'];
    let conditions = new Set<string>();
    await eventually(`cases ${wanted.join(', ')} opened`, async () => {
      conditions = new Set((await casesOf(server.govflow.db, { open: true })).map((c) => c.condition));
      return wanted.every((c) => conditions.has(c));
    }, { timeoutMs: 20_000, describe: async () => `opened: ${[...conditions].join(', ')}` });
  });

  it('simulate sensors names what is wrong: arguments, address, key', async () => {
    const bad = [
      [['simulate', 'sensors', '--api-key', key, '--rate', 'fast'], /--rate must be a number/],
      [['simulate', 'sensors', '--api-key', key, '--url', 'ftp://example.org'], /--url must start with http/],
      [['simulate', 'lights'], /unknown subject 'lights'/],
      [['simulate', 'sensors', '--url', server.running.url], /API key of the sensors scope is needed/],
      [['simulate', 'sensors', '--url', server.running.url, '--api-key', 'not-a-key', '--duration', '1'], /refused the API key/],
    ] as const;
    const saved = process.env['GOVFLOW_API_KEY'];
    delete process.env['GOVFLOW_API_KEY'];
    try {
      for (const [args, message] of bad) {
        const { code, stderr: err } = await cli([...args]);
        assert.equal(code, 2, `${args.join(' ')}: ${err}`);
        assert.match(err, message);
        assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
      }
    } finally {
      if (saved !== undefined) process.env['GOVFLOW_API_KEY'] = saved;
    }
  });
}, { backends: ['postgres'] });
