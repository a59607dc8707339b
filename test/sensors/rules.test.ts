/**
 * Issue 22, acceptance 3: the sensor rules (examples/sensor-rules.dmn through the decisions module) over readings
 * and their history start the sensor-alarm process through the engine. For each of the five models a scenario
 * opens one case, ignores repeats, and closes it on recovery where the rule says so; a light's fault case is
 * worked like any other (its task completed), after which a fault still reported opens a new one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { attachRules, casesOf, createSensors, type Sensors } from '../../src/sensors/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

describeEachBackend('sensor rules open and close cases', (backend: Backend) => {
  let db: Database;
  let engine: Engine;
  let sensors: Sensors;

  before(async () => {
    db = await freshDatabase(backend);
    engine = createEngine(db);
    await engine.deploy([{ name: 'sensor-alarm.bpmn', content: readFileSync('examples/sensor-alarm.bpmn', 'utf8') }]);
    sensors = createSensors({ db });
    attachRules(sensors, { engine });
  });
  after(async () => db.close());

  const at = (minutes: number): string => new Date(Date.UTC(2026, 11, 1, 8, 0) + minutes * 60_000).toISOString();
  const send = (id: string, type: string, attrs: Record<string, unknown>, minutes: number) =>
    sensors.ingestPayload({ id, type, ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { type: 'Property', value: v, observedAt: at(minutes) }])) }, 'normalized', { mode: 'merge' });
  const cases = async (id: string) => (await casesOf(db, { entityId: id })).map((c) => ({ condition: c.condition, open: c.closedAt === null, instanceId: c.instanceId }));
  const stateOf = async (instanceId: number | null) => (await engine.getInstance(instanceId!)).state;

  it('WasteContainer: over 80 % full opens one collection case for licensing; emptied closes it', async () => {
    const id = 'urn:ngsi-ld:WasteContainer:rules-1';
    await send(id, 'WasteContainer', { fillingLevel: 0.5 }, 0);
    assert.deepEqual(await cases(id), []);
    await send(id, 'WasteContainer', { fillingLevel: 0.85 }, 10);
    await send(id, 'WasteContainer', { fillingLevel: 0.9 }, 20);
    const [opened, ...more] = await cases(id);
    assert.equal(more.length, 0, 'a repeat opens nothing');
    assert.deepEqual([opened!.condition, opened!.open], ['container-full', true]);
    const instance = await engine.getInstance(opened!.instanceId!);
    assert.equal(instance.processKey, 'sensor-alarm');
    assert.match(instance.businessKey ?? '', /^SA-\d{4}-\d{6}$/);
    const [task] = await engine.listTasks({ instanceId: instance.id });
    assert.deepEqual(task!.candidateGroups, ['licensing']);
    await send(id, 'WasteContainer', { fillingLevel: 0.05 }, 30);
    assert.deepEqual((await cases(id)).map((c) => c.open), [false]);
    assert.equal(await stateOf(opened!.instanceId), 'completed');
    assert.deepEqual((await engine.listTasks({ instanceId: instance.id })), [], 'the task went with the recovery');
  });

  it('Streetlight: a fault opens a repair case that stays open when the lamp reports ok, is worked, and a fault after it opens a new case', async () => {
    const id = 'urn:ngsi-ld:Streetlight:rules-2';
    await send(id, 'Streetlight', { status: 'defectiveLamp' }, 0);
    await send(id, 'Streetlight', { status: 'defectiveLamp' }, 5);
    await send(id, 'Streetlight', { status: 'ok' }, 10);
    const [fault] = await cases(id);
    assert.deepEqual([fault!.condition, fault!.open, (await cases(id)).length], ['light-fault', true, 1], 'no close on recovery for a fault: a crew must record the repair');
    const [task] = await engine.listTasks({ instanceId: fault!.instanceId! });
    await engine.completeTask(task!.id, { actor: 'bob', variables: { attendOutcome: 'done' } });
    assert.equal(await stateOf(fault!.instanceId), 'completed');
    await send(id, 'Streetlight', { status: 'brokenLantern' }, 20);
    const after = await cases(id);
    assert.deepEqual(after.map((c) => [c.condition, c.open]), [['light-fault', true], ['light-fault', false]]);
    assert.notEqual(after[0]!.instanceId, fault!.instanceId);
  });

  it('Streetlight: an energy draw far from its own 7-day baseline opens a case; back to normal closes it', async () => {
    const id = 'urn:ngsi-ld:Streetlight:rules-3';
    for (const [i, draw] of [100, 104, 96].entries()) await send(id, 'Streetlight', { powerConsumption: draw }, i * 60);
    await send(id, 'Streetlight', { powerConsumption: 180 }, 200);
    await send(id, 'Streetlight', { powerConsumption: 185 }, 210);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['light-energy', true]]);
    await send(id, 'Streetlight', { powerConsumption: 101 }, 220);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['light-energy', false]]);
  });

  it('TrafficFlowObserved: congestion opens a case only after 15 minutes above the threshold, and closes when it clears', async () => {
    const id = 'urn:ngsi-ld:TrafficFlowObserved:rules-4';
    await send(id, 'TrafficFlowObserved', { occupancy: 0.9 }, 0);
    await send(id, 'TrafficFlowObserved', { occupancy: 0.85 }, 10);
    assert.deepEqual(await cases(id), [], 'ten minutes is not yet fifteen');
    await send(id, 'TrafficFlowObserved', { occupancy: 0.88 }, 16);
    await send(id, 'TrafficFlowObserved', { occupancy: 0.92 }, 18);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['congestion', true]]);
    await send(id, 'TrafficFlowObserved', { occupancy: 0.3 }, 25);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['congestion', false]]);
  });

  it('AirQualityObserved: NO2 above the legal limit opens a notice case; a repeat is ignored; clean air closes it', async () => {
    const id = 'urn:ngsi-ld:AirQualityObserved:rules-5';
    await send(id, 'AirQualityObserved', { no2: 250, pm10: 20 }, 0);
    await send(id, 'AirQualityObserved', { no2: 260, pm10: 22 }, 60);
    const [notice] = await cases(id);
    assert.deepEqual([(await cases(id)).length, notice!.condition], [1, 'air-quality-no2']);
    assert.deepEqual((await engine.listTasks({ instanceId: notice!.instanceId! }))[0]!.candidateGroups, ['planning']);
    await send(id, 'AirQualityObserved', { no2: 40, pm10: 18 }, 120);
    assert.deepEqual((await cases(id)).map((c) => c.open), [false]);
  });

  it('ParkingSpot: occupied for more than two hours opens a check; freed closes it', async () => {
    const id = 'urn:ngsi-ld:ParkingSpot:rules-6';
    await send(id, 'ParkingSpot', { status: 'free' }, 0);
    await send(id, 'ParkingSpot', { status: 'occupied' }, 10);
    await send(id, 'ParkingSpot', { status: 'occupied' }, 70);
    assert.deepEqual(await cases(id), []);
    await send(id, 'ParkingSpot', { status: 'occupied' }, 140);
    await send(id, 'ParkingSpot', { status: 'occupied' }, 150);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['parking-overstay', true]]);
    await send(id, 'ParkingSpot', { status: 'free' }, 160);
    assert.deepEqual((await cases(id)).map((c) => [c.condition, c.open]), [['parking-overstay', false]]);
  });
});
