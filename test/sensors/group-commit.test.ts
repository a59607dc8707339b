/**
 * Issue 22, acceptance 5's write path (docs/sensors.md): concurrent calls are written as bursts by several writers
 * (one on PGlite), an asset's readings land in the order they came, each reading is stored once, and the rules lane
 * behind "answered once stored" calls still opens one case per asset and condition.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { attachRules, casesOf, createSensors, readEntity, readSeries, type Sensors } from '../../src/sensors/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';

describeEachBackend('sensor readings written in bursts', (backend: Backend) => {
  let db: Database;
  let sensors: Sensors;

  before(async () => {
    db = await freshDatabase(backend);
    const engine = createEngine(db);
    await engine.deploy([{ name: 'sensor-alarm.bpmn', content: readFileSync('examples/sensor-alarm.bpmn', 'utf8') }]);
    sensors = createSensors({ db });
    attachRules(sensors, { engine });
  });
  after(async () => db.close());

  const at = (minute: number): string => new Date(Date.UTC(2026, 11, 2, 6, minute)).toISOString();
  const container = (n: number, level: number, minute: number) => ({ id: `urn:ngsi-ld:WasteContainer:burst-${n}`, type: 'WasteContainer', fillingLevel: level, dateObserved: at(minute) });

  it('keeps each asset\'s order across concurrent calls, stores each reading once, and the rules lane opens one case per asset', async () => {
    // Six assets, ten readings each, every call sent at once: the calls of one asset are interleaved with the others'.
    const levels = (n: number, k: number): number => (k === 9 && n % 2 === 0 ? 0.9 : 0.1 + 0.05 * k);
    const calls = [];
    for (let k = 0; k < 10; k++) {
      for (let n = 0; n < 6; n++) calls.push(sensors.ingestPayload(container(n, levels(n, k), k), 'keyValues', { mode: 'merge', rules: 'background' }));
    }
    const results = await Promise.all(calls);
    assert.equal(results.reduce((sum, r) => sum + r.stored, 0), 60, 'sixty readings, each stored by the call that sent it');
    for (let n = 0; n < 6; n++) {
      const latest = await readEntity(db, `urn:ngsi-ld:WasteContainer:burst-${n}`);
      assert.equal(latest?.attrs['fillingLevel']?.value, levels(n, 9), `asset ${n}: the latest state is the last reading sent`);
      const series = await readSeries(db, `urn:ngsi-ld:WasteContainer:burst-${n}`, { from: at(0), to: at(9), limit: 100 });
      assert.deepEqual(series.map((p) => p.value), Array.from({ length: 10 }, (_, k) => levels(n, k)));
    }
    const replay = await sensors.ingestPayload(container(0, 0.9, 9), 'keyValues', { mode: 'merge' });
    assert.equal(replay.stored, 0, 'a replayed reading is not stored again');
    // Answered once stored: the cases follow from the rules lane, one per over-full container, none for the others.
    const opened = await eventually('the three over-full containers have their cases', async () => {
      const open = (await casesOf(db, { open: true })).filter((c) => c.entityId.includes(':burst-') && c.instanceId !== null);
      return open.length >= 3 ? open : null;
    }, { timeoutMs: 20_000 });
    assert.deepEqual(opened.map((c) => c.entityId).sort(), [0, 2, 4].map((n) => `urn:ngsi-ld:WasteContainer:burst-${n}`));
    assert.ok(opened.every((c) => c.condition === 'container-full'));
  });

  it('reads a series window limited to some attributes and to the first N readings in time order', async () => {
    const id = 'urn:ngsi-ld:AirQualityObserved:burst-series';
    for (let k = 0; k < 4; k++) {
      await sensors.ingestPayload({ id, type: 'AirQualityObserved', no2: 10 + k, pm10: 20 + k, temperature: 5 + k, dateObserved: at(30 + k) }, 'keyValues', { mode: 'merge' });
    }
    const window = { from: at(31), to: at(33) };
    const all = await readSeries(db, id, { ...window, limit: 100 });
    assert.deepEqual(all.map((p) => `${p.observedAt.slice(14, 16)} ${p.attribute}=${String(p.value)}`),
      ['31 no2=11', '31 pm10=21', '31 temperature=6', '32 no2=12', '32 pm10=22', '32 temperature=7', '33 no2=13', '33 pm10=23', '33 temperature=8']);
    const some = await readSeries(db, id, { ...window, attrs: ['pm10'], limit: 2 });
    assert.deepEqual(some.map((p) => [p.attribute, p.value]), [['pm10', 21], ['pm10', 22]]);
    assert.deepEqual((await readSeries(db, id, { ...window, limit: 4 })).map((p) => p.value), [11, 21, 6, 12]);
  });
});
