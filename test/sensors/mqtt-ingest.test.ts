/**
 * Issue 22, acceptance 2: observations published with QoS 1 across a govflow restart are all stored exactly once,
 * through the embedded broker (aedes) and through Debian's Mosquitto started here on a free port. The restart is
 * a crash at the worst moment: a message's readings are committed and govflow dies before acknowledging it, so
 * the message comes again; more are published while govflow is down.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { connectToBroker, createSensors, MQTT_TOPIC, startEmbeddedBroker, type MqttIngest, type Sensors } from '../../src/sensors/index.js';
import type { Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const ENTITY = 'urn:ngsi-ld:WasteContainer:mqtt';

const freePort = async (): Promise<number> => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});

const message = (i: number) => JSON.stringify({ id: ENTITY, type: 'WasteContainer', fillingLevel: { type: 'Property', value: i / 100, observedAt: new Date(Date.UTC(2026, 11, 1, 8, i)).toISOString() } });

/** The readings stored, and how many distinct ones: equal and complete means exactly once. */
async function stored(db: Database): Promise<{ rows: number; distinct: number }> {
  const [row] = (await db.query<{ rows: string; distinct: string }>('select count(*) as rows, count(distinct observed_at) as distinct from sensor_observation where entity_id = $1', [ENTITY])).rows;
  return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
}

/**
 * One scenario for either broker: 5 acknowledged publishes; the 6th is committed and govflow crashes before its
 * PUBACK; 4 more while govflow is down; govflow restarts (a new process's objects on the same database).
 */
async function restartScenario(db: Database, start: (sensors: Sensors) => Promise<MqttIngest>, deviceUrl: () => string): Promise<void> {
  let crashAfterStore: (() => void) | undefined;
  const first = createSensors({ db });
  // Holds the acknowledgement of the message being stored, so the crash comes after its commit and before its PUBACK.
  first.afterIngest(() => new Promise<void>((resolve) => { if (crashAfterStore) crashAfterStore(); else resolve(); }));
  let govflow = await start(first);
  const device = await mqtt.connectAsync(deviceUrl(), { clientId: `device-${Math.random().toString(36).slice(2)}`, clean: false, reconnectPeriod: 100 });
  try {
    for (let i = 1; i <= 5; i++) await device.publishAsync(MQTT_TOPIC, message(i), { qos: 1 });
    // Through Mosquitto the device's PUBACK comes from the broker, before govflow has stored anything.
    await eventually('the first five stored', async () => (await stored(db)).rows >= 5, { timeoutMs: 20_000 });
    const committed = new Promise<void>((resolve) => { crashAfterStore = resolve; });
    void device.publishAsync(MQTT_TOPIC, message(6), { qos: 1 }).catch(() => {});
    await committed;
    await govflow.stop({ force: true });
    for (let i = 7; i <= 10; i++) void device.publishAsync(MQTT_TOPIC, message(i), { qos: 1 }).catch(() => {});
    assert.equal((await stored(db)).rows, 6, 'six stored before the crash');
    govflow = await start(createSensors({ db }));
    const done = await eventually('all ten readings stored', async () => { const s = await stored(db); return s.rows >= 10 ? s : null; }, { timeoutMs: 20_000 });
    // A moment for any late duplicate redelivery to land, driven by a further acknowledged publish.
    await device.publishAsync(MQTT_TOPIC, message(11), { qos: 1 });
    await eventually('the eleventh stored', async () => (await stored(db)).rows >= 11, { timeoutMs: 20_000 });
    assert.deepEqual(await stored(db), { rows: 11, distinct: 11 }, `exactly once (after restart: ${JSON.stringify(done)})`);
  } finally {
    await device.endAsync(true);
    await govflow.stop();
  }
}

describe('MQTT ingestion across a govflow restart (QoS 1, exactly once)', () => {
  let db: Database;
  before(async () => { db = await freshDatabase('pglite'); });
  after(async () => db.close());

  it('through the embedded broker (aedes): the device resends what was not acknowledged', async () => {
    await db.query('delete from sensor_observation where entity_id = $1', [ENTITY]);
    let port = 0;
    await restartScenario(db, async (sensors) => {
      const broker = await startEmbeddedBroker({ sensors, port });
      port = Number(new URL(broker.url).port);
      return broker;
    }, () => `mqtt://127.0.0.1:${port}`);
  });

  it('through Mosquitto: govflow\'s persistent session gets what arrived while it was down', { skip: existsSync(MOSQUITTO) ? false : 'mosquitto is not installed (apt-get install mosquitto)' }, async () => {
    await db.query('delete from sensor_observation where entity_id = $1', [ENTITY]);
    const dir = mkdtempSync(path.join(tmpdir(), 'govflow-mosquitto-'));
    const port = await freePort();
    writeFileSync(path.join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    const broker: ChildProcess = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    try {
      const url = `mqtt://127.0.0.1:${port}`;
      await eventually('mosquitto listening', async () => {
        const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 }).catch(() => null);
        await probe?.endAsync();
        return probe !== null;
      }, { timeoutMs: 15_000 });
      await restartScenario(db, (sensors) => connectToBroker({ sensors, url, clientId: 'govflow-sensors-test' }), () => url);
    } finally {
      broker.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
