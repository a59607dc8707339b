/**
 * MQTT ingestion: devices publish NGSI-LD entities (one or an array, normalized or key-values) to
 * `ngsi-ld/v1/entities` (or `…/entities/normalized`, `…/entities/keyValues` to say the form). Either govflow runs
 * its own broker (aedes, embedded) or it subscribes to the city's (GOVFLOW_MQTT_URL, e.g. Mosquitto) with a
 * persistent session. A QoS 1 publish is acknowledged only after its readings are committed, and every reading
 * has an idempotency key, so a publish redelivered after a restart is stored once.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createRequire } from 'node:module';
import type * as AedesLib from 'aedes';
import type mqttLib from 'mqtt';
import { createLogger, type Logger } from '../kernel/index.js';
import { NgsiLdProblem, representationOf, type Representation } from './ngsi-ld.js';
import type { Sensors } from './sensors.js';

export const MQTT_TOPIC = 'ngsi-ld/v1/entities';
const MAX_PAYLOAD = 1024 * 1024;

export interface MqttIngest {
  /** The broker's address (mqtt://host:port) for the embedded broker, or the URL connected to. */
  readonly url: string;
  /** `force`: drop the connection at once, acknowledging nothing more (what a crash does; tests use it). */
  stop(options?: { force?: boolean }): Promise<void>;
}

/** What a message on `topic` asks for: undefined when the topic is not ours. */
function formOf(topic: string, payload: unknown): Representation | undefined {
  if (topic === MQTT_TOPIC) return representationOf(payload);
  if (topic === `${MQTT_TOPIC}/normalized`) return 'normalized';
  if (topic === `${MQTT_TOPIC}/keyValues`) return 'keyValues';
  return undefined;
}

/**
 * Stores one message. A payload that is wrong is logged and dropped (resending it would not make it right); a
 * failure to store (the database away) throws, so the message is not acknowledged and comes again.
 */
export async function ingestMessage(sensors: Sensors, topic: string, payload: Buffer, log: Logger): Promise<'stored' | 'ignored' | 'refused'> {
  if (!topic.startsWith(MQTT_TOPIC)) return 'ignored';
  let body: unknown;
  try {
    if (payload.length > MAX_PAYLOAD) throw new NgsiLdProblem('BadRequestData', `The message is larger than ${MAX_PAYLOAD} bytes`);
    body = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    log.warn({ topic, err: error instanceof NgsiLdProblem ? error.message : 'not JSON' }, 'an MQTT message was refused');
    return 'refused';
  }
  const form = formOf(topic, body);
  if (!form) return 'ignored';
  try {
    // The PUBACK promises the readings are stored, nothing more: the rules run after it, in their own lane.
    await sensors.ingestPayload(body, form, { mode: 'merge', rules: 'background', keySeed: createHash('sha256').update(topic).update(payload).digest('base64url') });
    return 'stored';
  } catch (error) {
    if (!(error instanceof NgsiLdProblem)) throw error;
    log.warn({ topic, problem: error.toJSON() }, 'an MQTT message was refused');
    return 'refused';
  }
}

export interface EmbeddedBrokerOptions {
  readonly sensors: Sensors;
  readonly host?: string;
  /** 0 for any free port. */
  readonly port: number;
  /** Checks a connecting device's password (an API key with the sensors scope); absent: every device may publish. */
  readonly checkKey?: (key: string) => Promise<boolean>;
  readonly logger?: Logger;
}

/** Runs aedes in this process; each message is stored before the publisher gets its PUBACK. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<MqttIngest> {
  const log = options.logger ?? createLogger({ name: 'sensors-mqtt' });
  // aedes and mqtt.js load when a broker starts or is joined, not in every process that imports sensors.
  const { Aedes } = await import('aedes') as typeof AedesLib;
  const broker = await Aedes.createBroker({
    authenticate: (_client, _username, password, done) => {
      if (!options.checkKey) return done(null, true);
      const key = password?.toString('utf8') ?? '';
      options.checkKey(key).then((ok) => done(ok ? null : Object.assign(new Error('bad API key'), { returnCode: 4 as const }), ok), () => done(Object.assign(new Error('key check failed'), { returnCode: 3 as const }), false));
    },
    // Stored in authorizePublish, which aedes runs before it writes a QoS 1 PUBACK (its `published` hook runs after
    // the PUBACK is sent, so a crash there would lose an acknowledged message). A failure to store refuses the
    // publish: the connection drops unacknowledged and the device sends the message again.
    authorizePublish: (client, packet, done) => {
      if (!client || packet.topic.startsWith('$SYS')) return done(null);
      ingestMessage(options.sensors, packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), log).then(() => done(null), (error: unknown) => {
        log.error({ err: (error as Error).message, topic: packet.topic }, 'an MQTT message could not be stored; the device will send it again');
        done(error as Error);
      });
    },
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `mqtt://${address.address}:${address.port}`,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface BrokerClientOptions {
  readonly sensors: Sensors;
  /** GOVFLOW_MQTT_URL, e.g. mqtt://user:key@broker.city.example:1883. */
  readonly url: string;
  /** The persistent session's client id: the same across restarts, so the broker keeps what arrived meanwhile. */
  readonly clientId?: string;
  readonly logger?: Logger;
}

/** Subscribes to an existing broker (QoS 1, persistent session), acknowledging each message once it is stored. */
export async function connectToBroker(options: BrokerClientOptions): Promise<MqttIngest> {
  const log = options.logger ?? createLogger({ name: 'sensors-mqtt' });
  const mqtt = createRequire(import.meta.url)('mqtt') as typeof mqttLib;
  const client = mqtt.connect(options.url, { clientId: options.clientId ?? 'govflow-sensors', clean: false, reconnectPeriod: 1000 });
  // mqtt.js sends a QoS 1 PUBACK when handleMessage calls back (customHandleAcks is MQTT 5 only); set before the
  // session resumes, so what the broker kept for us goes through it too.
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    ingestMessage(options.sensors, packet.topic, payload, log).then(() => callback(), (error: unknown) => {
      // Not acknowledged: the broker sends it again on the next session.
      log.error({ err: (error as Error).message, topic: packet.topic }, 'an MQTT message could not be stored; the broker will send it again');
      callback(error as Error);
    });
  };
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(`${MQTT_TOPIC}/#`, { qos: 1 });
  return {
    url: options.url,
    async stop(stopOptions) {
      await client.endAsync(stopOptions?.force ?? false);
    },
  };
}
