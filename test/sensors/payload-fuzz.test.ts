/**
 * Issue 22: the NGSI-LD payload parser under fast-check. Any JSON at all is either read or refused with an NGSI-LD
 * problem (never another exception); an entity the parser accepts reads back the same after formatting, in both
 * forms; and a problem about an attribute names one the payload has.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatEntity, MODEL_TYPES, NgsiLdProblem, parseBatch, parseEntity, representationOf, type Representation } from '../../src/sensors/index.js';

const attributeName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/).filter((n) => !['id', 'type', 'scope', 'createdAt', 'modifiedAt'].includes(n));
const scalar = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.boolean(), fc.string({ maxLength: 30 }));
const point = fc.record({ type: fc.constant('Point'), coordinates: fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })) });
const entityLike = fc.record({
  id: fc.oneof(fc.stringMatching(/^urn:ngsi-ld:[A-Za-z]{1,12}:[A-Za-z0-9]{1,12}$/), fc.string({ maxLength: 20 })),
  type: fc.oneof(fc.constantFrom(...MODEL_TYPES), fc.string({ maxLength: 12 })),
}).chain((core) => fc.dictionary(attributeName, fc.oneof(scalar, fc.record({ type: fc.constantFrom('Property', 'GeoProperty', 'Relationship', 'Other'), value: fc.oneof(scalar, point), object: fc.string({ maxLength: 20 }) }, { requiredKeys: ['type'] })), { maxKeys: 6 })
  .map((attrs) => ({ ...attrs, ...core })));

const REPRESENTATIONS: readonly Representation[] = ['normalized', 'keyValues'];

describe('NGSI-LD payload parser (fuzz)', () => {
  it('reads or refuses any JSON value with a problem detail, never another error', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), entityLike, fc.array(entityLike, { maxLength: 3 })), fc.constantFrom(...REPRESENTATIONS), (value, representation) => {
      try {
        if (Array.isArray(value)) parseBatch(value, representation);
        else parseEntity(value, representation);
      } catch (error) {
        assert.ok(error instanceof NgsiLdProblem, String(error));
        const details = error.toJSON();
        assert.match(details.type, /^https:\/\/uri\.etsi\.org\/ngsi-ld\/errors\/[A-Za-z]+$/);
        assert.ok([400, 409].includes(details.status));
        if (details.attribute !== undefined && !Array.isArray(value) && typeof value === 'object' && value !== null && !['id', 'type', '@context'].includes(details.attribute)) {
          assert.ok(details.attribute in value, `names an attribute the payload has: ${details.attribute}`);
        }
      }
    }), { numRuns: 400 });
  });

  it('an accepted entity reads back the same from its own output, in both forms', () => {
    fc.assert(fc.property(entityLike, fc.constantFrom(...REPRESENTATIONS), (value, representation) => {
      let entity;
      try {
        entity = parseEntity(value, representation);
      } catch {
        return;
      }
      for (const out of REPRESENTATIONS) {
        const again = parseEntity(formatEntity(entity, out), out);
        assert.equal(again.id, entity.id);
        assert.deepEqual(Object.keys(again.attrs).sort(), Object.keys(entity.attrs).sort());
        for (const [name, attribute] of Object.entries(entity.attrs)) assert.deepEqual(again.attrs[name]!.value, attribute.value, name);
      }
      // The form MQTT payloads are read in is guessed: a normalized entity with attributes is recognised as such.
      if (Object.keys(entity.attrs).length > 0) assert.equal(representationOf(formatEntity(entity, 'normalized')), 'normalized');
    }), { numRuns: 300 });
  });
});
