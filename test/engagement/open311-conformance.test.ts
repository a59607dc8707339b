// Open311 GeoReport v2 conformance, written from the specification in ../shared/standards/open311-georeport-v2
// (GeoReport_v2_index.md, Service_Discovery.md, GeoReport_v2_Extensions.md): every endpoint in XML and JSON (the
// same document in both), each error case with its HTTP status and errors body, jurisdiction_id on an endpoint
// serving two jurisdictions, multi-value attributes, the 90-day / 1,000-request default window, the page /
// page_size extension, and FixMyStreet's servicerequestupdates, over real HTTP on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { apiKeyFor } from '../support/sign-in.js';
import { asXmlLeaves, both, get, isW3c, postForm, readJson, readXml, startOpen311Server, type Open311Server } from './open311-support.js';

const HOME = 'demo-municipality';
const OTHER = 'other-town.example';
const J = `?jurisdiction_id=${HOME}`;

type Json = Record<string, unknown>;

describeEachBackend('Open311 GeoReport v2 conformance', (backend) => {
  let s: Open311Server;
  before(async () => {
    s = await startOpen311Server(backend, 'open311', `${HOME},${OTHER}`);
  });
  after(async () => s?.stop());

  const submit = async (fields: [string, string][], format: 'xml' | 'json' = 'json', jurisdiction = HOME): Promise<Json> => {
    const r = await postForm(`${s.base}/requests.${format}`, [['jurisdiction_id', jurisdiction], ['api_key', s.key], ...fields]);
    assert.equal(r.status, 200, r.text);
    const doc = format === 'json' ? readJson(r) : readXml(r, 'service_requests');
    assert.ok(Array.isArray(doc) && doc.length === 1, 'POST answers a list of one request');
    return doc[0] as Json;
  };
  // A pothole report; fields in `extra` replace the defaults of the same name.
  const pothole = (extra: [string, string][] = []): [string, string][] => [
    ...([['service_code', 'pothole'], ['lat', '51.5007'], ['long', '-0.1246'], ['description', 'A deep hole by the kerb']] as [string, string][]).filter(([k]) => !extra.some(([e]) => e === k)),
    ...extra,
  ];
  const caseOf = async (id: string) => {
    const [instance] = await s.govflow.engine.listInstances({ businessKey: `PR-${id}`, limit: 1 });
    assert.ok(instance, `report ${id} started a case`);
    return instance;
  };
  const completeTask = async (id: string, elementId: string, variables: Json): Promise<void> => {
    const instance = await caseOf(id);
    const [task] = (await s.govflow.engine.listTasks({ instanceId: instance.id })).filter((t) => t.elementId === elementId && t.state === 'created');
    assert.ok(task, `a ${elementId} task waits on report ${id}`);
    await s.govflow.engine.completeTask(task.id, { variables, actor: 'test-staff' });
  };

  it('discovery: the required fields, both formats, this endpoint with XML and JSON', async () => {
    const d = await both(s.base, 'discovery', '', 'discovery') as Json;
    for (const field of ['changeset', 'contact', 'key_service', 'endpoints']) assert.ok(d[field], `discovery.${field}`);
    const [endpoint] = d['endpoints'] as Json[];
    assert.equal(endpoint!['specification'], 'http://wiki.open311.org/GeoReport_v2');
    assert.ok(String(endpoint!['url']).endsWith('/open311/v2'));
    assert.ok(['production', 'test'].includes(String(endpoint!['type'])));
    assert.deepEqual(endpoint!['formats'], ['text/xml', 'application/json']);
  });

  it('services: each service with code, name, metadata, type; JSON a top-level array', async () => {
    const services = await both(s.base, 'services', J, 'services') as Json[];
    assert.ok(Array.isArray(services) && services.length >= 3);
    for (const service of services) {
      assert.equal(typeof service['service_code'], 'string');
      assert.equal(typeof service['service_name'], 'string');
      assert.equal(typeof service['metadata'], 'boolean');
      assert.ok(['realtime', 'batch', 'blackbox'].includes(String(service['type'])));
      for (const field of ['description', 'keywords', 'group']) assert.ok(field in service, field);
    }
  });

  it('service definition: attributes in order, list values with key and name, both formats', async () => {
    const services = await both(s.base, 'services', J, 'services') as Json[];
    for (const service of services.filter((x) => x['metadata'] === true)) {
      const def = await both(s.base, `services/${String(service['service_code'])}`, J, 'service_definition') as Json;
      assert.equal(def['service_code'], service['service_code']);
      const attributes = def['attributes'] as Json[];
      assert.ok(attributes.length > 0);
      assert.deepEqual(attributes.map((a) => a['order']), [...attributes.map((a) => a['order'] as number)].sort((a, b) => a - b));
      for (const a of attributes) {
        assert.ok(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'].includes(String(a['datatype'])));
        assert.equal(typeof a['variable'], 'boolean');
        assert.equal(typeof a['required'], 'boolean');
        if (String(a['datatype']).endsWith('valuelist')) assert.ok((a['values'] as Json[]).every((v) => typeof v['key'] === 'string' && typeof v['name'] === 'string'));
      }
    }
    const def = await both(s.base, 'services/pothole', J, 'service_definition') as Json;
    assert.ok((def['attributes'] as Json[]).some((a) => a['datatype'] === 'multivaluelist'));
  });

  it('POST requests: a realtime service answers the id, a batch service a token that tokens/{token} exchanges, both formats', async () => {
    const viaJson = await submit(pothole());
    assert.match(String(viaJson['service_request_id']), /^\d+$/);
    assert.ok(!('token' in viaJson), 'no token when the id is returned');
    const viaXml = await submit(pothole(), 'xml');
    assert.match(String(viaXml['service_request_id']), /^\d+$/);
    assert.notEqual(viaXml['service_request_id'], viaJson['service_request_id']);
    const batch = await submit([['service_code', 'abandoned-vehicle'], ['address_string', '4 Mill Lane, Demo Town'], ['description', 'White van, flat tyres']]);
    assert.ok(!('service_request_id' in batch), 'no id when a token is returned');
    const token = String(batch['token']);
    const exchanged = await both(s.base, `tokens/${encodeURIComponent(token)}`, J, 'service_requests') as Json[];
    assert.equal(exchanged[0]!['token'], token);
    const id = String(exchanged[0]!['service_request_id']);
    const [request] = await both(s.base, `requests/${id}`, J, 'service_requests') as Json[];
    assert.equal(request!['address'], '4 Mill Lane, Demo Town');
    assert.equal(request!['service_code'], 'abandoned-vehicle');
  });

  it('GET requests/{id}: every field of the specification, w3 datetimes, status open with the case SLA as expected_datetime', async () => {
    const { service_request_id: id } = await submit(pothole([['address_string', '10 Downing Street'], ['media_url', 'https://photos.example/hole.jpg']]));
    const [r] = await both(s.base, `requests/${String(id)}`, J, 'service_requests') as Json[];
    for (const field of ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url']) {
      assert.ok(field in r!, `request.${field}`);
    }
    assert.equal(r!['status'], 'open');
    assert.equal(r!['lat'], 51.5007);
    assert.equal(r!['long'], -0.1246);
    assert.equal(r!['media_url'], 'https://photos.example/hole.jpg');
    assert.equal(r!['agency_responsible'], 'building-control');
    for (const field of ['requested_datetime', 'updated_datetime', 'expected_datetime']) assert.ok(isW3c(r![field]), `${field} is a w3 datetime with a timezone: ${String(r![field])}`);
    assert.equal(Date.parse(String(r!['expected_datetime'])) - Date.parse(String(r!['requested_datetime'])), 20 * 24 * 3600 * 1000, 'the P20D case SLA of services/problem-report');
  });

  it('multi-value attributes: attribute[code][]=a&attribute[code][]=b reach the case as a list; a single value list takes one', async () => {
    const created = await submit(pothole([['attribute[hazards][]', 'cyclists'], ['attribute[hazards][]', 'drivers'], ['attribute[depth-cm]', '12']]));
    const instance = await caseOf(String(created['service_request_id']));
    const variables = (await s.govflow.engine.getInstance(instance.id)).variables as { attributes: Json; department: string };
    assert.deepEqual(variables.attributes['hazards'], ['cyclists', 'drivers']);
    assert.equal(variables.attributes['depth-cm'], '12');
    assert.equal(variables.department, 'building-control');
    const one = await submit(pothole([['attribute[hazards][]', 'pedestrians']]));
    const v1 = (await s.govflow.engine.getInstance((await caseOf(String(one['service_request_id']))).id)).variables as { attributes: Json };
    assert.deepEqual(v1.attributes['hazards'], ['pedestrians'], 'the [] form is a list even with one value');
    const two = await postForm(`${s.base}/requests.json`, [['jurisdiction_id', HOME], ['api_key', s.key], ['service_code', 'street-light'], ['lat', '51.5'], ['long', '-0.12'], ['attribute[fault]', 'out'], ['attribute[fault]', 'day']]);
    assert.equal(two.status, 400);
    assert.match(JSON.stringify(readJson(two)), /attribute\[fault\] takes one value/);
    const bad = await postForm(`${s.base}/requests.json`, [['jurisdiction_id', HOME], ['api_key', s.key], ...pothole([['attribute[hazards][]', 'cyclists'], ['attribute[hazards][]', 'horses']])]);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(readJson(bad)), /horses/);
  });

  it('jurisdiction_id: required when serving two (400), unknown is 404, each jurisdiction sees only its requests', async () => {
    for (const resource of ['services', 'services/pothole', 'requests', 'requests/1', 'tokens/abc', 'servicerequestupdates']) {
      for (const format of ['xml', 'json'] as const) {
        const missing = await get(`${s.base}/${resource}.${format}`);
        assert.equal(missing.status, 400, `${resource}.${format} without jurisdiction_id`);
        const unknown = await get(`${s.base}/${resource}.${format}?jurisdiction_id=nowhere.example`);
        assert.equal(unknown.status, 404, `${resource}.${format} with an unknown jurisdiction_id`);
        const errors = format === 'json' ? readJson(unknown) : readXml(unknown, 'errors');
        assert.match(JSON.stringify(errors), /nowhere\.example/, 'the error names the jurisdiction');
      }
    }
    const mine = await submit(pothole([['description', 'Only in the other town']]), 'json', OTHER);
    const other = await both(s.base, 'requests', `?jurisdiction_id=${OTHER}`, 'service_requests') as Json[];
    assert.deepEqual(other.map((r) => r['service_request_id']), [mine['service_request_id']]);
    const home = await both(s.base, 'requests', J, 'service_requests') as Json[];
    assert.ok(!home.some((r) => r['service_request_id'] === mine['service_request_id']));
    assert.equal((await get(`${s.base}/requests/${String(mine['service_request_id'])}.json${J}`)).status, 404, 'another jurisdiction\'s request is not found');
    const post = await postForm(`${s.base}/requests.xml`, [['api_key', s.key], ...pothole()]);
    assert.equal(post.status, 400, 'POST without jurisdiction_id');
  });

  it('errors: 403 for a missing, wrong or unscoped api_key, 404 unknown service or resource, 400 bad input; body in the requested format', async () => {
    const unscoped = await apiKeyFor(s.govflow.db, { roles: ['agency-system'], services: ['building-permit'] });
    const cases: [string, [string, string][], number, RegExp][] = [
      ['no key', pothole(), 403, /api_key/],
      ['wrong key', [['api_key', 'gfk_not-a-key'], ...pothole()], 403, /api_key/],
      ['key without the open311 scope', [['api_key', unscoped], ...pothole()], 403, /open311/],
      ['no service_code', [['api_key', s.key], ['lat', '1'], ['long', '1']], 400, /service_code/],
      ['unknown service_code', [['api_key', s.key], ['service_code', 'dragons'], ['lat', '1'], ['long', '1']], 404, /dragons/],
      ['no location', [['api_key', s.key], ['service_code', 'graffiti']], 400, /location/],
      ['lat without long', [['api_key', s.key], ['service_code', 'graffiti'], ['lat', '51']], 400, /lat and long/],
      ['latitude out of range', [['api_key', s.key], ['service_code', 'graffiti'], ['lat', '91'], ['long', '0']], 400, /latitude/],
      ['required attribute missing', [['api_key', s.key], ['service_code', 'street-light'], ['lat', '51'], ['long', '0']], 400, /attribute\[fault\] is required/],
      ['unknown attribute', [['api_key', s.key], ...pothole([['attribute[colour]', 'red']])], 400, /colour/],
      ['description over 4,000 characters', [['api_key', s.key], ['service_code', 'pothole'], ['lat', '51'], ['long', '0'], ['description', 'x'.repeat(4001)]], 400, /4000/],
    ];
    for (const [what, fields, status, message] of cases) {
      for (const format of ['xml', 'json'] as const) {
        const r = await postForm(`${s.base}/requests.${format}`, [['jurisdiction_id', HOME], ...fields]);
        assert.equal(r.status, status, `${what} (${format}): ${r.text}`);
        const errors = (format === 'json' ? readJson(r) : readXml(r, 'errors')) as Json[];
        assert.ok(Array.isArray(errors) && errors.length > 0, `${what}: an errors list`);
        for (const e of errors) assert.ok(String(e['code']) !== '' && String(e['description']) !== '', 'each error has a code and a description');
        assert.match(JSON.stringify(errors), message, what);
      }
    }
    for (const [url, status] of [['services/dragons.json', 404], ['requests/999999999.json', 404], ['requests/abc.json', 404], ['tokens/nope.json', 404], ['nothing.json', 404], ['services', 404]] as const) {
      const r = await get(`${s.base}/${url}${J}`);
      assert.equal(r.status, status, url);
      const errors = r.type.startsWith('application/json') ? readJson(r) : readXml(r, 'errors');
      assert.ok(Array.isArray(errors) && errors.length === 1, `${url}: an errors body`);
    }
    const xml404 = await get(`${s.base}/requests/999999999.xml${J}`);
    assert.deepEqual(readXml(xml404, 'errors'), asXmlLeaves([{ code: 404, description: 'service_request_id \'999999999\' was not found' }]));
    for (const query of ['&start_date=yesterday', '&start_date=2026-01-01T00:00:00', '&start_date=2026-01-01T00:00:00Z&end_date=2025-01-01T00:00:00Z', '&status=pending', '&page_size=0', '&page_size=1001', '&page=x']) {
      const r = await get(`${s.base}/requests.json${J}${query}`);
      assert.equal(r.status, 400, query);
    }
  });

  it('the default window: most recent 90 days; a range may not span more than 90 days; old ranges are empty', async () => {
    const { service_request_id: id } = await submit(pothole());
    const listed = await both(s.base, 'requests', J, 'service_requests') as Json[];
    assert.ok(listed.some((r) => r['service_request_id'] === id), 'a new request is within the default window');
    const over = await get(`${s.base}/requests.json${J}&start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z`);
    assert.equal(over.status, 400);
    assert.match(over.text, /90 days/);
    assert.deepEqual(await both(s.base, 'requests', `${J}&start_date=2010-01-01T00:00:00Z&end_date=2010-03-01T00:00:00Z`, 'service_requests'), []);
    const now = new Date();
    const since = new Date(now.getTime() - 60_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const recent = await both(s.base, 'requests', `${J}&start_date=${encodeURIComponent(since)}`, 'service_requests') as Json[];
    assert.ok(recent.some((r) => r['service_request_id'] === id), 'a start_date with an offset and no end_date');
    const byId = await both(s.base, 'requests', `${J}&service_request_id=${String(id)}&start_date=2010-01-01T00:00:00Z&end_date=2010-03-01T00:00:00Z`, 'service_requests') as Json[];
    assert.deepEqual(byId.map((r) => r['service_request_id']), [id], 'service_request_id overrides all other arguments');
  });

  it('filters and pagination: service_code and status lists, page/page_size walk the list without overlap', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(String((await submit([['service_code', 'graffiti'], ['address_string', `${i + 1} Paint Row`], ['attribute[offensive]', 'no']]))['service_request_id']));
    const graffiti = await both(s.base, 'requests', `${J}&service_code=graffiti`, 'service_requests') as Json[];
    assert.deepEqual(graffiti.map((r) => r['service_request_id']).sort(), [...ids].sort());
    const seen: unknown[] = [];
    for (let page = 1; page <= 3; page++) {
      const part = await both(s.base, 'requests', `${J}&service_code=graffiti&page_size=2&page=${page}`, 'service_requests') as Json[];
      assert.equal(part.length, page < 3 ? 2 : 1, `page ${page}`);
      seen.push(...part.map((r) => r['service_request_id']));
    }
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'the pages together are the list, each request once');
    assert.deepEqual(await both(s.base, 'requests', `${J}&service_code=graffiti&page_size=2&page=4`, 'service_requests'), []);
    const twoCodes = await both(s.base, 'requests', `${J}&service_code=graffiti,abandoned-vehicle`, 'service_requests') as Json[];
    assert.ok(twoCodes.every((r) => ['graffiti', 'abandoned-vehicle'].includes(String(r['service_code']))) && twoCodes.length >= 5);
    assert.equal((await both(s.base, 'requests', `${J}&service_code=graffiti&status=closed`, 'service_requests') as Json[]).length, 0);
    assert.equal((await both(s.base, 'requests', `${J}&service_code=graffiti&status=open,closed`, 'service_requests') as Json[]).length, 5);
  });

  it('status and status_notes come from the case; the updates extension lists each step in its window', async () => {
    const started = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const { service_request_id: id } = await submit(pothole([['description', 'Hole outside the school']]));
    await completeTask(String(id), 'triage', { triageOutcome: 'accepted', statusNotes: 'Sent to building control.' });
    let [r] = await both(s.base, `requests/${String(id)}`, J, 'service_requests') as Json[];
    assert.equal(r!['status'], 'open');
    assert.equal(r!['status_notes'], 'Sent to building control.');
    await completeTask(String(id), 'department-task', { statusNotes: 'A crew comes on Tuesday.' });
    await completeTask(String(id), 'fix', { statusNotes: 'Filled and resurfaced.' });
    [r] = await both(s.base, `requests/${String(id)}`, J, 'service_requests') as Json[];
    assert.equal(r!['status'], 'closed');
    assert.equal(r!['status_notes'], 'Filled and resurfaced.');
    assert.equal(r!['expected_datetime'], null, 'no expectation once closed');
    assert.ok(Date.parse(String(r!['updated_datetime'])) >= Date.parse(String(r!['requested_datetime'])));
    const closed = await both(s.base, 'requests', `${J}&status=closed`, 'service_requests') as Json[];
    assert.ok(closed.some((x) => x['service_request_id'] === id));
    const end = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const updates = (await both(s.base, 'servicerequestupdates', `${J}&start_date=${started}&end_date=${end}`, 'service_request_updates') as Json[])
      .filter((u) => u['service_request_id'] === id);
    assert.deepEqual(updates.map((u) => [u['status'], u['description']]), [
      ['investigating', 'Sent to building control.'], ['action_scheduled', 'A crew comes on Tuesday.'], ['fixed', 'Filled and resurfaced.'],
    ]);
    for (const u of updates) assert.ok(isW3c(u['updated_datetime']) && String(u['update_id']) !== '');
    const before2010 = await both(s.base, 'servicerequestupdates', `${J}&start_date=2010-01-01T00:00:00Z&end_date=2010-01-02T00:00:00Z`, 'service_request_updates');
    assert.deepEqual(before2010, []);
    assert.equal((await get(`${s.base}/servicerequestupdates.json${J}&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`)).status, 400, 'the 90-day limit');
  });

  it('POST servicerequestupdates: needs a key, answers update_id, once per client update id, and appears in the feed', async () => {
    const { service_request_id: id } = await submit(pothole());
    const fields: [string, string][] = [['jurisdiction_id', HOME], ['service_request_id', String(id)], ['update_id', 'fms-77'], ['status', 'OPEN'], ['description', 'Still there, getting bigger'], ['updated_datetime', new Date().toISOString().replace(/\.\d+Z$/, 'Z')], ['first_name', 'Jo'], ['last_name', 'Bloggs']];
    assert.equal((await postForm(`${s.base}/servicerequestupdates.xml`, fields)).status, 403);
    const first = readXml(await postForm(`${s.base}/servicerequestupdates.xml`, [['api_key', s.key], ...fields]), 'service_request_updates') as Json[];
    const again = readJson(await postForm(`${s.base}/servicerequestupdates.json`, [['api_key', s.key], ...fields])) as Json[];
    assert.equal(first[0]!['update_id'], again[0]!['update_id'], 'the same client update is recorded once');
    const feed = await both(s.base, 'servicerequestupdates', J, 'service_request_updates') as Json[];
    const mine = feed.filter((u) => u['update_id'] === first[0]!['update_id']);
    assert.deepEqual(mine.map((u) => [u['service_request_id'], u['status'], u['description']]), [[id, 'open', 'Still there, getting bigger']]);
    const missing = await postForm(`${s.base}/servicerequestupdates.json`, [['api_key', s.key], ...fields.map(([k, v]): [string, string] => [k, k === 'service_request_id' ? '999999999' : v])]);
    assert.equal(missing.status, 404);
    const noDate = await postForm(`${s.base}/servicerequestupdates.json`, [['api_key', s.key], ...fields.filter(([k]) => k !== 'updated_datetime')]);
    assert.equal(noDate.status, 400);
  });
});
