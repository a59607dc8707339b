/**
 * Issue 22, acceptance 1: the NGSI-LD API subset driven over loopback HTTP with the Smart Data Models' published
 * examples, normalized and key-values, and every error case answered with a problem detail naming the attribute,
 * nothing stored from a request with any error. Storage (month partitions, retention into hourly aggregates) on
 * both backends.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Backend, Database } from '../../src/store/index.js';
import { applyRetention, createSensors, createSensorsPlugin, readHourly, readSeries, type Sensors } from '../../src/sensors/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { KEY_VALUES, NORMALIZED } from './smart-data-model-examples.js';

const KEY = 'device-key';

describeEachBackend('NGSI-LD API', (backend: Backend) => {
  let db: Database;
  let server: FastifyInstance;
  let base: string;
  let sensors: Sensors;

  before(async () => {
    db = await freshDatabase(backend);
    sensors = createSensors({ db });
    server = Fastify();
    // The composition root asks identity; here a fixed key writes and anyone with it reads (authorisation itself is in the matrix test).
    await server.register(createSensorsPlugin({ sensors, authorise: async (request) => request.headers.authorization === `Bearer ${KEY}` }));
    base = `${await server.listen({ host: '127.0.0.1', port: 0 })}/ngsi-ld/v1`;
  });
  after(async () => {
    await server.close();
    await db.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'content-type': 'application/ld+json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) as unknown };
  };
  const problem = (r: { body: unknown }) => r.body as { type: string; status: number; detail: string; attribute?: string; entityId?: string };
  const countEntities = async () => Number((await db.query<{ n: string }>('select count(*) as n from sensor_entity')).rows[0]!.n);
  const countReadings = async () => Number((await db.query<{ n: string }>('select count(*) as n from sensor_observation')).rows[0]!.n);

  it('creates each model from its normalized example and reads it back in both forms', async () => {
    for (const example of NORMALIZED) {
      const created = await call('POST', '/entities', example);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.headers.get('location'), `/ngsi-ld/v1/entities/${encodeURIComponent(example['id'] as string)}`);
      const read = await call('GET', `/entities/${encodeURIComponent(example['id'] as string)}`);
      assert.equal(read.status, 200);
      const entity = read.body as Record<string, { type: string; value?: unknown; object?: unknown }>;
      for (const [name, attribute] of Object.entries(example)) {
        if (name === '@context' || name === 'id' || name === 'type') continue;
        const sent = attribute as { type: string; value?: unknown; object?: unknown };
        assert.equal(entity[name]?.type, sent.type, `${example['type'] as string}.${name}`);
        // A JSON-LD typed value (@type DateTime) comes back as its plain date-time.
        const expected = sent.type === 'Relationship' ? sent.object : (sent.value as { '@value'?: unknown })['@value'] ?? sent.value;
        assert.deepEqual(sent.type === 'Relationship' ? entity[name]!.object : entity[name]!.value, expected);
      }
      const simple = await call('GET', `/entities/${encodeURIComponent(example['id'] as string)}?options=keyValues`);
      assert.equal((simple.body as Record<string, unknown>)['type'], example['type']);
      assert.equal(typeof (simple.body as Record<string, unknown>)['location'], 'object');
    }
    const ld = await fetch(`${base}/entities?type=ParkingSpot`, { headers: { authorization: `Bearer ${KEY}`, accept: 'application/ld+json' } });
    assert.match(ld.headers.get('content-type') ?? '', /application\/ld\+json/);
    assert.ok(((await ld.json()) as { '@context'?: unknown }[])[0]!['@context']);
  });

  it('upserts the key-values examples as one batch: 204 when all exist, 201 with the new ids otherwise', async () => {
    const updated = await call('POST', '/entityOperations/upsert?options=keyValues,update', KEY_VALUES);
    assert.equal(updated.status, 204);
    const waste = await call('GET', `/entities/${encodeURIComponent('urn:ngsi-ld:wastecontainer:1021:AAWD')}?options=keyValues`);
    assert.equal((waste.body as Record<string, unknown>)['binFillingLevel'], 0.65);
    assert.equal((waste.body as Record<string, unknown>)['RFID'], '67855734', 'update keeps the attributes of the first write');
    const fresh = KEY_VALUES.map((e) => ({ ...e, id: `${e['id'] as string}:copy` }));
    const created = await call('POST', '/entityOperations/upsert?options=keyValues', fresh);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, fresh.map((e) => e['id']));
    const light = await call('GET', `/entities/${encodeURIComponent('urn:ngsi-ld:Streetlight:streetlight:guadalajara:4567:copy')}`);
    assert.deepEqual((light.body as Record<string, unknown>)['refStreetlightGroup'], { type: 'Relationship', object: 'urn:ngsi-ld:StreetlightGroup:streetlightgroup:G345' });
  });

  it('queries by type and q, with counts, paging and attrs', async () => {
    const byType = await call('GET', '/entities?type=WasteContainer&count=true');
    assert.equal(byType.headers.get('ngsild-results-count'), '2');
    const full = await call('GET', '/entities?type=WasteContainer&q=binFillingLevel>0.6;binColor=="Green"&options=keyValues');
    assert.deepEqual((full.body as { id: string }[]).map((e) => e.id), ['urn:ngsi-ld:wastecontainer:1021:AAWD', 'urn:ngsi-ld:wastecontainer:1021:AAWD:copy']);
    const none = await call('GET', '/entities?type=WasteContainer&q=binFillingLevel>0.7');
    assert.deepEqual(none.body, []);
    const alias = await call('GET', '/entities?type=StreetLight&q=status=="ok"&attrs=status&limit=1');
    assert.deepEqual(alias.body, [{ id: 'urn:ngsi-ld:Streetlight:streetlight:guadalajara:4567', type: 'Streetlight', status: { type: 'Property', value: 'ok' } }]);
    const page2 = await call('GET', '/entities?type=StreetLight&limit=1&offset=1');
    assert.equal((page2.body as { id: string }[])[0]!.id, 'urn:ngsi-ld:Streetlight:streetlight:guadalajara:4567:copy');
  });

  it('updates attributes and keeps each reading for the temporal API', async () => {
    const id = encodeURIComponent('urn:ngsi-ld:ParkingSpot:santander:daoiz_velarde_1_5:3');
    const patched = await call('PATCH', `/entities/${id}/attrs`, { status: { type: 'Property', value: 'occupied', observedAt: '2018-09-21T12:05:00Z' } });
    assert.equal(patched.status, 204);
    const appended = await call('POST', `/entities/${id}/attrs?options=keyValues`, { status: 'free' });
    assert.equal(appended.status, 204);
    const temporal = await call('GET', `/temporal/entities/${id}?attrs=status&timerel=between&timeAt=2018-09-21T00:00:00Z&endTimeAt=2018-09-22T00:00:00Z`);
    assert.deepEqual((temporal.body as { status: unknown }).status, [
      { type: 'Property', value: 'free', observedAt: '2018-09-21T12:00:00.000Z' },
      { type: 'Property', value: 'occupied', observedAt: '2018-09-21T12:05:00.000Z' },
    ]);
    const simplified = await call('GET', `/temporal/entities?type=ParkingSpot&attrs=status&options=temporalValues&timerel=before&timeAt=2018-09-22T00:00:00Z`);
    assert.deepEqual((simplified.body as { status: { values: unknown[] } }[])[0]!.status.values, [['free', '2018-09-21T12:00:00.000Z'], ['occupied', '2018-09-21T12:05:00.000Z']]);
    const latest = await call('GET', `/entities/${id}?options=keyValues&attrs=status`);
    assert.deepEqual(latest.body, { id: 'urn:ngsi-ld:ParkingSpot:santander:daoiz_velarde_1_5:3', type: 'ParkingSpot', status: 'free' });
  });

  it('answers every bad request with a problem detail naming the attribute, storing nothing', async () => {
    const entities = await countEntities();
    const readings = await countReadings();
    const waste = (extra: Record<string, unknown>) => ({ id: 'urn:ngsi-ld:WasteContainer:new', type: 'WasteContainer', ...extra });
    const cases: { name: string; method: string; path: string; body?: unknown; headers?: Record<string, string>; status: number; type: string; attribute?: string }[] = [
      { name: 'not JSON', method: 'POST', path: '/entities', body: '{"id": ', status: 400, type: 'InvalidRequest' },
      { name: 'not an object', method: 'POST', path: '/entities', body: [1], status: 400, type: 'InvalidRequest' },
      { name: 'no id', method: 'POST', path: '/entities', body: { type: 'WasteContainer' }, status: 400, type: 'BadRequestData', attribute: 'id' },
      { name: 'id not a URI', method: 'POST', path: '/entities', body: { id: 'container 1', type: 'WasteContainer' }, status: 400, type: 'BadRequestData', attribute: 'id' },
      { name: 'unknown type', method: 'POST', path: '/entities', body: { id: 'urn:x:1', type: 'Vehicle' }, status: 400, type: 'BadRequestData', attribute: 'type' },
      { name: 'untyped attribute in normalized form', method: 'POST', path: '/entities', body: waste({ fillingLevel: 0.5 }), status: 400, type: 'BadRequestData', attribute: 'fillingLevel' },
      { name: 'value out of range', method: 'POST', path: '/entities', body: waste({ fillingLevel: { type: 'Property', value: 1.5 } }), status: 400, type: 'BadRequestData', attribute: 'fillingLevel' },
      { name: 'value of the wrong kind', method: 'POST', path: '/entities?options=keyValues', body: waste({ temperature: 'hot' }), status: 400, type: 'BadRequestData', attribute: 'temperature' },
      { name: 'bad enumeration', method: 'POST', path: '/entities?options=keyValues', body: { id: 'urn:x:2', type: 'ParkingSpot', status: 'parked' }, status: 400, type: 'BadRequestData', attribute: 'status' },
      { name: 'property without value', method: 'POST', path: '/entities', body: waste({ fillingLevel: { type: 'Property' } }), status: 400, type: 'BadRequestData', attribute: 'fillingLevel' },
      { name: 'bad observedAt', method: 'POST', path: '/entities', body: waste({ fillingLevel: { type: 'Property', value: 0.2, observedAt: 'yesterday' } }), status: 400, type: 'BadRequestData', attribute: 'fillingLevel' },
      { name: 'bad location', method: 'POST', path: '/entities', body: waste({ location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [200, 10] } } }), status: 400, type: 'BadRequestData', attribute: 'location' },
      { name: 'relationship without object', method: 'POST', path: '/entities', body: waste({ refDevice: { type: 'Relationship', object: 5 } }), status: 400, type: 'BadRequestData', attribute: 'refDevice' },
      { name: 'bad attribute name', method: 'POST', path: '/entities?options=keyValues', body: waste({ 'a b': 1 }), status: 400, type: 'BadRequestData', attribute: 'a b' },
      { name: 'already exists', method: 'POST', path: '/entities', body: NORMALIZED[0], status: 409, type: 'AlreadyExists' },
      { name: 'unsupported media type', method: 'POST', path: '/entities', body: 'x', headers: { 'content-type': 'text/plain' }, status: 415, type: 'UnsupportedMediaType' },
      { name: 'batch not an array', method: 'POST', path: '/entityOperations/upsert', body: NORMALIZED[0], status: 400, type: 'InvalidRequest' },
      { name: 'empty batch', method: 'POST', path: '/entityOperations/upsert', body: [], status: 400, type: 'BadRequestData' },
      { name: 'one bad entity among good ones', method: 'POST', path: '/entityOperations/upsert?options=keyValues', body: [{ id: 'urn:ok:1', type: 'WasteContainer', fillingLevel: 0.3 }, { id: 'urn:bad:2', type: 'WasteContainer', fillingLevel: -1 }], status: 400, type: 'BadRequestData', attribute: 'fillingLevel' },
      { name: 'an id twice in a batch', method: 'POST', path: '/entityOperations/upsert?options=keyValues', body: [{ id: 'urn:ok:1', type: 'ParkingSpot' }, { id: 'urn:ok:1', type: 'ParkingSpot' }], status: 400, type: 'BadRequestData' },
      { name: 'patch of a missing entity', method: 'PATCH', path: `/entities/${encodeURIComponent('urn:none:1')}/attrs`, body: { status: { type: 'Property', value: 'free' } }, status: 404, type: 'ResourceNotFound' },
      { name: 'patch with a bad value', method: 'PATCH', path: `/entities/${encodeURIComponent('urn:ngsi-ld:ParkingSpot:santander:daoiz_velarde_1_5:3')}/attrs`, body: { status: { type: 'Property', value: 'gone' } }, status: 400, type: 'BadRequestData', attribute: 'status' },
      { name: 'notification without data', method: 'POST', path: '/notify', body: { type: 'Notification' }, status: 400, type: 'BadRequestData', attribute: 'data' },
      { name: 'read of a missing entity', method: 'GET', path: `/entities/${encodeURIComponent('urn:none:1')}`, status: 404, type: 'ResourceNotFound' },
      { name: 'query without a filter', method: 'GET', path: '/entities', status: 400, type: 'BadRequestData', attribute: 'type' },
      { name: 'query of an unknown type', method: 'GET', path: '/entities?type=Vehicle', status: 400, type: 'BadRequestData', attribute: 'type' },
      { name: 'bad q', method: 'GET', path: '/entities?type=ParkingSpot&q=status~free', status: 400, type: 'BadRequestData', attribute: 'q' },
      { name: 'bad limit', method: 'GET', path: '/entities?type=ParkingSpot&limit=-1', status: 400, type: 'BadRequestData', attribute: 'limit' },
      { name: 'between without end', method: 'GET', path: `/temporal/entities/${encodeURIComponent('urn:ngsi-ld:ParkingSpot:santander:daoiz_velarde_1_5:3')}?timerel=between&timeAt=2018-09-21T00:00:00Z`, status: 400, type: 'BadRequestData', attribute: 'endTimeAt' },
      { name: 'unknown path', method: 'GET', path: '/subscriptions', status: 404, type: 'ResourceNotFound' },
      { name: 'no key', method: 'POST', path: '/entities', body: waste({}), headers: { authorization: '' }, status: 401, type: 'Unauthorized' },
    ];
    for (const c of cases) {
      const r = await call(c.method, c.path, c.body, c.headers);
      assert.equal(r.status, c.status, `${c.name}: ${JSON.stringify(r.body)}`);
      assert.equal(problem(r).type, `https://uri.etsi.org/ngsi-ld/errors/${c.type}`, c.name);
      assert.equal(problem(r).status, c.status, c.name);
      assert.ok(problem(r).detail.length > 10 && !/\n\s+at /.test(problem(r).detail), `${c.name}: a sentence, no stack`);
      if (c.attribute) assert.equal(problem(r).attribute, c.attribute, c.name);
    }
    assert.equal(await countEntities(), entities, 'no entity from a refused request');
    assert.equal(await countReadings(), readings, 'no reading from a refused request');
  });

  it('stores a replayed batch once, in month partitions, and down-samples past 30 days into hourly aggregates', async () => {
    const now = new Date('2026-12-06T10:00:00Z');
    const reading = (at: string, level: number) => ({ id: 'urn:ngsi-ld:WasteContainer:retention', type: 'WasteContainer', fillingLevel: { type: 'Property', value: level, observedAt: at } });
    const old = ['2026-10-01T08:10:00Z', '2026-10-01T08:40:00Z', '2026-10-01T09:05:00Z'];
    for (const [i, at] of old.entries()) await sensors.ingestPayload(reading(at, [0.1, 0.2, 0.3][i]!), 'normalized', { mode: 'merge' });
    const again = await sensors.ingestPayload(reading(old[0]!, 0.1), 'normalized', { mode: 'merge' });
    assert.equal(again.stored, 0, 'a replayed reading is stored once');
    await sensors.ingestPayload(reading('2026-12-05T10:00:00Z', 0.9), 'normalized', { mode: 'merge' });
    const partitions = (await db.query<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'sensor_observation' order by 1`)).rows.map((r) => r.name);
    assert.ok(partitions.includes('sensor_observation_2026_10') && partitions.includes('sensor_observation_2026_12'), partitions.join());
    const result = await applyRetention(db, now);
    assert.equal(result.deleted >= 3, true);
    const series = await readSeries(db, 'urn:ngsi-ld:WasteContainer:retention', { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z', limit: 100 });
    assert.deepEqual(series.map((p) => p.value), [0.9], 'only the reading within 30 days stays raw');
    const hourly = await readHourly(db, 'urn:ngsi-ld:WasteContainer:retention', 'fillingLevel', '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z');
    assert.deepEqual(hourly.map((h) => [h.hour, h.n, h.min, h.max]), [['2026-10-01T08:00:00Z', 2, 0.1, 0.2], ['2026-10-01T09:00:00Z', 1, 0.3, 0.3]]);
    assert.ok(Math.abs(hourly[0]!.avg - 0.15) < 1e-9);
    const after = (await db.query<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'sensor_observation'`)).rows.map((r) => r.name);
    assert.ok(!after.includes('sensor_observation_2026_10'), 'the emptied month is dropped');
  });
});
