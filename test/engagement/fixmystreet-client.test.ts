// The exact calls a FixMyStreet installation makes to an Open311 endpoint (its perllib/Open311.pm client, read for
// the shapes; nothing of it is copied): services.xml and services/{code}.xml; a form-encoded POST to requests.xml
// with jurisdiction_id and api_key in the body, the multi-line description, first/last name, email and
// attribute[...] fields, the answer read as request[0].service_request_id or request[0].token exchanged at
// tokens/{token}.xml; requests.xml?service_request_id=a,b; updates polled from servicerequestupdates.xml with an
// api_key and a start_date/end_date window; its own updates posted to servicerequestupdates.xml and read back as
// request_update[0].update_id. One jurisdiction, as most FixMyStreet bodies are configured.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { get, postForm, readXml, startOpen311Server, type Open311Server } from './open311-support.js';

type Json = Record<string, unknown>;
const JURISDICTION = 'demo-municipality';
/** FixMyStreet's W3CDTF times: seconds, UTC as Z. */
const w3cdtf = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

describeEachBackend('a FixMyStreet installation as an Open311 client', (backend) => {
  let s: Open311Server;
  before(async () => {
    s = await startOpen311Server(backend, 'fixmystreet');
  });
  after(async () => s?.stop());

  // Open311.pm's _get: the endpoint + path, jurisdiction_id added to the query.
  const fmsGet = async (path: string, params: Record<string, string> = {}): Promise<unknown> => {
    const query = new URLSearchParams({ ...params, jurisdiction_id: JURISDICTION }).toString();
    const answer = await get(`${s.base}/${path}?${query}`);
    assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    return answer;
  };
  // Open311.pm's _post: jurisdiction_id and api_key added to the form-encoded body.
  const fmsPost = (path: string, params: [string, string][]) => postForm(`${s.base}/${path}`, [['jurisdiction_id', JURISDICTION], ['api_key', s.key], ...params]);
  const sendProblem = async (serviceCode: string, title: string, extra: [string, string][]): Promise<string> => {
    const description = `title: ${title}\n\ndetail: It has been like this for a week.\n\nurl: https://fixmystreet.example/report/4242\n\nSubmitted via FixMyStreet\n`;
    const answer = await fmsPost('requests.xml', [
      ['description', description], ['service_code', serviceCode], ['first_name', 'Jo'], ['last_name', 'Bloggs'], ['email', 'jo@example.org'],
      ['lat', '51.50101'], ['long', '-0.141563'], ['media_url', 'https://fixmystreet.example/photo/4242.0.full.jpeg'], ...extra,
    ]);
    assert.equal(answer.status, 200, answer.text);
    const [request] = readXml(answer, 'service_requests') as Json[];
    if (request!['service_request_id']) return String(request!['service_request_id']);
    const token = String(request!['token']);
    assert.ok(token !== '', 'a token when there is no id');
    const [exchanged] = readXml(await fmsGet(`tokens/${token}.xml`) as never, 'service_requests') as Json[];
    return String(exchanged!['service_request_id']);
  };

  it('reads the service list and each definition that has metadata, as FixMyStreet populates its categories', async () => {
    const services = readXml(await fmsGet('services.xml') as never, 'services') as Json[];
    assert.ok(services.length > 0);
    for (const service of services.filter((x) => x['metadata'] === 'true')) {
      const def = readXml(await fmsGet(`services/${String(service['service_code'])}.xml`) as never, 'service_definition') as Json;
      assert.equal(def['service_code'], service['service_code']);
    }
  });

  it('sends reports (id and token paths), fetches them by id, polls the updates window and posts its own update', async () => {
    const windowStart = new Date(Date.now() - 5_000);
    const light = await sendProblem('street-light', 'Lamp out on Birdcage Walk', [['attribute[fault]', 'out'], ['attribute[light-id]', 'BW-17']]);
    const vehicle = await sendProblem('abandoned-vehicle', 'Burnt-out car', []);
    assert.match(light, /^\d+$/);
    assert.match(vehicle, /^\d+$/);
    assert.notEqual(light, vehicle);

    // get_service_requests({ report_ids }): the ids comma-joined.
    const fetched = readXml(await fmsGet('requests.xml', { service_request_id: `${light},${vehicle}` }) as never, 'service_requests') as Json[];
    assert.deepEqual(fetched.map((r) => r['service_request_id']).sort(), [light, vehicle].sort());
    assert.ok(fetched.every((r) => r['status'] === 'open'));
    const lightRequest = fetched.find((r) => r['service_request_id'] === light)!;
    assert.match(String(lightRequest['description']), /Submitted via FixMyStreet/);
    assert.equal(lightRequest['lat'], '51.50101');

    // The council works the case in govflow.
    const [instance] = await s.govflow.engine.listInstances({ businessKey: `PR-${light}`, limit: 1 });
    const step = async (elementId: string, variables: Json): Promise<void> => {
      const [task] = (await s.govflow.engine.listTasks({ instanceId: instance!.id })).filter((t) => t.elementId === elementId);
      await s.govflow.engine.completeTask(task!.id, { variables, actor: 'crew' });
    };
    await step('triage', { triageOutcome: 'accepted', statusNotes: 'Passed to the lighting crew.' });
    await step('department-task', { statusNotes: 'Crew booked for Thursday.' });
    await step('fix', { statusNotes: 'Lamp replaced.' });

    // get_service_request_updates(start, end): api_key on the GET too (accepted, not required), both dates given.
    const updates = readXml(await fmsGet('servicerequestupdates.xml', { api_key: s.key, start_date: w3cdtf(windowStart), end_date: w3cdtf(new Date(Date.now() + 5_000)) }) as never, 'service_request_updates') as Json[];
    const forLight = updates.filter((u) => u['service_request_id'] === light);
    assert.deepEqual(forLight.map((u) => u['status']), ['investigating', 'action_scheduled', 'fixed'], 'FixMyStreet\'s extended statuses, lower case');
    assert.deepEqual(forLight.map((u) => u['description']), ['Passed to the lighting crew.', 'Crew booked for Thursday.', 'Lamp replaced.']);
    for (const u of forLight) for (const field of ['update_id', 'service_request_id', 'status', 'updated_datetime', 'description', 'media_url']) assert.ok(field in u, field);
    assert.equal(new Set(forLight.map((u) => u['update_id'])).size, 3, 'each update has its own id');
    const earlier = readXml(await fmsGet('servicerequestupdates.xml', { api_key: s.key, start_date: '2020-01-01T00:00:00Z', end_date: '2020-01-01T01:00:00Z' }) as never, 'service_request_updates');
    assert.equal(earlier, '', 'an empty window is an empty <service_request_updates>');

    // post_service_request_update: the reporter's comment on the closed report.
    const comment: [string, string][] = [
      ['updated_datetime', w3cdtf(new Date())], ['service_request_id', light], ['status', 'OPEN'], ['description', 'It is out again tonight.'],
      ['last_name', 'Bloggs'], ['first_name', 'Jo'], ['email', 'jo@example.org'], ['update_id', '98765'],
    ];
    const posted = await fmsPost('servicerequestupdates.xml', comment);
    assert.equal(posted.status, 200, posted.text);
    const [ack] = readXml(posted, 'service_request_updates') as Json[];
    const updateId = String(ack!['update_id']);
    assert.ok(updateId !== '');
    const resent = readXml(await fmsPost('servicerequestupdates.xml', comment), 'service_request_updates') as Json[];
    assert.equal(resent[0]!['update_id'], updateId, 'a retried post is the same update');
    const events = await s.govflow.engine.getEvents(instance!.id);
    assert.equal(events.filter((e) => e.type === 'case.note-added' && String(e.data['text']).includes('It is out again tonight.')).length, 1, 'staff see the comment once on the case');
  });
});
