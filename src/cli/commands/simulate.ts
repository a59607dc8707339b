/**
 * `govflow simulate sensors`: a demo city's sensors reporting to a running govflow, so `npm start` plus the simulator
 * shows the loop (readings, rules, cases, the operations pages) working. Readings of a few hundred assets of the
 * five Smart Data Models (src/sensors/simulation.ts) go at a steady rate either to the NGSI-LD batch upsert
 * (`--url http://…`) or to the MQTT broker (`--url mqtt://…`, QoS 1), with occasional breaches that open cases.
 */
import mqtt from 'mqtt';
import { GovflowError } from '../../kernel/index.js';
import { MQTT_TOPIC, simulateCity } from '../../sensors/index.js';
import { numberFlag, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow simulate sensors [--url URL] [--api-key KEY] [--rate N] [--duration SECONDS] [--assets N] [--breach-rate F] [--seed N] [--json]
  --url: a govflow's address (http://…, readings through its NGSI-LD batch upsert) or its MQTT broker (mqtt://…)
         (default http://127.0.0.1:$GOVFLOW_PORT, port 3000)
  --api-key: an API key of the sensors scope (default $GOVFLOW_API_KEY): govflow apikey create --name simulator --scope sensors
  --rate: readings (one asset's report each) per second (default 20); --duration: seconds, 0 until stopped (default 0)
  --assets: assets of the demo city, the five models in turn (default 300); --breach-rate: the chance a reading starts
            a breach of three readings past a rule's threshold (default 0.01); --seed: the city and its readings (default 22)`;

interface Sender {
  send(entities: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

const keyAdvice = 'issue one with `govflow apikey create --name simulator --scope sensors` and pass it with --api-key';

async function httpSender(base: string, key: string): Promise<Sender> {
  const url = `${base.replace(/\/+$/, '')}/ngsi-ld/v1/entityOperations/upsert?options=update,keyValues`;
  return {
    async send(entities) {
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(entities) });
      } catch (error) {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot reach ${base}: is govflow running there? (${(error as { cause?: Error }).cause?.message ?? (error as Error).message})`);
      }
      const text = await response.text();
      if (response.status === 401 || response.status === 403) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${base} refused the API key (${response.status}): ${keyAdvice}`);
      if (response.status !== 201 && response.status !== 204) {
        let detail = text.slice(0, 300);
        try {
          detail = String((JSON.parse(text) as { detail?: unknown }).detail ?? detail);
        } catch { /* not a problem detail: the text as it came */ }
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${url} answered ${response.status}: ${detail}`);
      }
    },
    async close() {},
  };
}

async function mqttSender(url: string, key: string): Promise<Sender> {
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(url, { username: 'govflow-simulator', password: key, clientId: `govflow-simulator-${process.pid}`, clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
  } catch (error) {
    const message = (error as Error).message;
    if (/not authori[sz]ed|bad user ?name or password/i.test(message)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `the broker at ${url} refused the API key: ${keyAdvice}`);
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot reach the MQTT broker at ${url}: is govflow running with GOVFLOW_MQTT_PORT set? (${message})`);
  }
  return {
    async send(entities) {
      await client.publishAsync(`${MQTT_TOPIC}/keyValues`, JSON.stringify(entities), { qos: 1 });
    },
    async close() {
      await client.endAsync();
    },
  };
}

function parseOptions(argv: string[]) {
  const { values } = parseCommandArgs(argv, {
    url: { type: 'string' }, 'api-key': { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, assets: { type: 'string' },
    'breach-rate': { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
  });
  const url = values.url ?? `http://127.0.0.1:${process.env['GOVFLOW_PORT'] ?? 3000}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url must be an address such as http://127.0.0.1:3000 or mqtt://127.0.0.1:1883, not ${JSON.stringify(url)}`);
  }
  if (!['http:', 'https:', 'mqtt:', 'mqtts:'].includes(parsed.protocol)) throw usageError(`--url must start with http://, https://, mqtt:// or mqtts://, not ${parsed.protocol}//`);
  const key = values['api-key'] ?? process.env['GOVFLOW_API_KEY'];
  if (!key) throw usageError(`an API key of the sensors scope is needed (--api-key or GOVFLOW_API_KEY): ${keyAdvice}`);
  return {
    url, key, mqtt: parsed.protocol.startsWith('mqtt'), json: values.json === true,
    rate: numberFlag('--rate', values.rate, 20, { min: 0.1, max: 100_000 }),
    duration: numberFlag('--duration', values.duration, 0, { min: 0, max: 31_536_000 }),
    assets: numberFlag('--assets', values.assets, 300, { min: 1, max: 100_000, integer: true }),
    breachRate: numberFlag('--breach-rate', values['breach-rate'], 0.01, { min: 0, max: 1 }),
    seed: numberFlag('--seed', values.seed, 22, { min: 0, max: 4_294_967_295, integer: true }),
  };
}

const TICK_MS = 250;
/** The NGSI-LD batch limit; an MQTT message is kept to the same size. */
const MAX_BATCH = 1000;

async function simulate(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const sender = options.mqtt ? await mqttSender(options.url, options.key) : await httpSender(options.url, options.key);
  const city = simulateCity({ assets: options.assets, breachRate: options.breachRate, seed: options.seed });
  let stopping = false;
  const stop = (): void => { stopping = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const started = performance.now();
  let owed = 0;
  let sent = 0;
  let breaches = 0;
  let last = started;
  if (!options.json) console.error(`simulating ${options.assets} assets at ${options.rate} readings/s to ${options.url}${options.duration > 0 ? ` for ${options.duration} s` : ' (Ctrl-C stops)'}`);
  try {
    while (!stopping && (options.duration === 0 || performance.now() - started < options.duration * 1000)) {
      const now = performance.now();
      owed += ((now - last) / 1000) * options.rate;
      last = now;
      // Readings are sent whole; what is owed carries over to the next tick.
      while (owed >= 1) {
        const { entities, breaches: b } = city.next(Math.min(Math.floor(owed), MAX_BATCH), new Date());
        await sender.send(entities);
        owed -= entities.length;
        sent += entities.length;
        breaches += b;
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await sender.close();
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const summary = { url: options.url, transport: options.mqtt ? 'mqtt' : 'ngsi-ld', assets: options.assets, readings: sent, breachReadings: breaches, seconds };
  if (options.json) console.log(JSON.stringify(summary));
  else console.log(`sent ${sent} readings of ${options.assets} assets in ${seconds} s (${breaches} past a threshold) to ${options.url}`);
  return 0;
}

/** `govflow simulate <subject>`: sensors only for now; the subject is named so others can join. */
export const command: Command = {
  usage: USAGE,
  async help() {
    return `Usage: ${USAGE}`;
  },
  async run(argv) {
    const [subject, ...rest] = argv;
    if (subject !== 'sensors') throw usageError(`${subject === undefined || subject.startsWith('-') ? 'name what to simulate' : `unknown subject '${subject}'`}: simulate sensors`);
    return simulate(rest);
  },
};
