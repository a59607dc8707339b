// The citizen's timeline reads only some event types (TIMELINE_EVENT_TYPES), so the status page fetches just those,
// without their data. Property: for any history, the timeline of the filtered events equals that of all of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { citizenTimeline, loadCatalogue, TIMELINE_EVENT_TYPES } from '../../src/catalogue/index.js';
import type { EventType, EventView } from '../../src/engine/index.js';
import { SERVICES_DIR } from './support.js';

describe('citizen timeline', () => {
  it('is the same from the timeline event types alone as from the whole history (property)', async () => {
    const catalogue = await loadCatalogue(SERVICES_DIR);
    const types: EventType[] = [...TIMELINE_EVENT_TYPES, 'process.started', 'task.created', 'task.completed', 'job.created', 'variables.updated', 'message.correlated'];
    for (const service of catalogue.services) {
      const elements = [...Object.keys(service.elementStatuses), 'unmapped-task', 'gateway'];
      const event = fc.record({
        type: fc.constantFrom(...types),
        elementId: fc.option(fc.constantFrom(...elements), { nil: null }),
        elementInstance: fc.option(fc.constantFrom('1', '2', '3', '4', '5'), { nil: null }),
      });
      fc.assert(fc.property(fc.array(event, { maxLength: 40 }), (raw) => {
        const events: EventView[] = raw.map((e, i) => ({ id: i + 1, seq: i + 1, type: e.type, elementId: e.elementId, elementInstance: e.elementInstance, actor: null, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), data: { any: i } }));
        const filtered = events.filter((e) => TIMELINE_EVENT_TYPES.includes(e.type)).map((e) => ({ ...e, data: {} }));
        assert.deepEqual(citizenTimeline(service, filtered, '2025-12-31T00:00:00.000Z'), citizenTimeline(service, events, '2025-12-31T00:00:00.000Z'));
      }), { numRuns: 300 });
    }
  });
});
