// Property tests (fast-check) of the Open311 edge's parsers and XML output: any form body is either a request in
// engagement's model or Open311 errors with a 400/403/404 (never another exception, so never a 500); a valid body
// keeps its values, multi-value attributes included; any text survives the XML round trip through a real parser.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { DEFAULT_CATEGORIES, Open311Failure, parseServiceRequest, parseUpdate, renderOpen311, windowOf } from '../../src/engagement/index.js';

const NAMES = ['service_code', 'lat', 'long', 'address_string', 'address_id', 'description', 'media_url', 'email', 'first_name', 'last_name', 'phone', 'device_id', 'account_id',
  'attribute[hazards][]', 'attribute[hazards]', 'attribute[fault]', 'attribute[depth-cm]', 'attribute[seen-since]', 'attribute[', 'attribute[]', 'attribute[a][b]', 'attributes', 'jurisdiction_id'];
const value = fc.oneof(fc.string(), fc.constantFrom('pothole', 'street-light', 'graffiti', 'abandoned-vehicle', '51.5', '-0.12', '91', 'cyclists', 'out', '2026-01-01T00:00:00Z', ''), fc.double().map(String));
const body = fc.dictionary(fc.oneof(fc.constantFrom(...NAMES), fc.string()), fc.oneof(value, fc.array(value, { maxLength: 4 })));

function expectOpen311Outcome(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof Open311Failure, `only Open311 errors escape: ${String(error)}`);
    assert.ok([400, 403, 404].includes(error.status));
    assert.ok(error.errors.length > 0 && error.errors.every((e) => e.description.length > 0 && e.code === error.status));
  }
}

it('any form body: a parsed request or Open311 errors with 400/403/404, nothing else', () => {
  fc.assert(fc.property(body, (b) => expectOpen311Outcome(() => parseServiceRequest(b, DEFAULT_CATEGORIES))), { numRuns: 3000 });
  fc.assert(fc.property(body, (b) => expectOpen311Outcome(() => parseUpdate(b))), { numRuns: 1000 });
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('start_date', 'end_date', 'x'), fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))), (q) => expectOpen311Outcome(() => windowOf(q, new Date()))), { numRuns: 1000 });
});

it('a valid pothole report keeps its values: coordinates, description and the chosen hazards as a list', () => {
  const hazards = fc.subarray(['cyclists', 'pedestrians', 'drivers'], { minLength: 1 });
  fc.assert(fc.property(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), fc.string({ minLength: 1, maxLength: 4000, unit: 'grapheme' }).filter((d) => d.length <= 4000), hazards, (lat, long, description, chosen) => {
    const latText = lat.toFixed(6);
    const longText = long.toFixed(6);
    const { request } = parseServiceRequest({ service_code: 'pothole', lat: latText, long: longText, description, 'attribute[hazards][]': chosen }, DEFAULT_CATEGORIES);
    assert.equal(request.lat, Number(latText));
    assert.equal(request.long, Number(longText));
    assert.equal(request.description, description);
    assert.deepEqual(request.attributes['hazards'], chosen);
  }), { numRuns: 500 });
});

it('any text survives the XML document through a real parser (characters XML cannot carry are dropped, nothing else changes)', () => {
  const parser = new XMLParser({ parseTagValue: false, trimValues: false, isArray: (name) => name === 'request' });
  const notXml = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
    const { body } = renderOpen311('xml', 'service_requests', [{ service_request_id: '1', description: text }]);
    const doc = parser.parse(body) as { service_requests: { request: { description: string }[] } };
    const expected = text.replace(notXml, '').replace(/\r\n?/g, '\n');
    assert.equal(String(doc.service_requests.request[0]!.description ?? ''), expected);
  }), { numRuns: 2000 });
});
