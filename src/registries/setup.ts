import type { Engine, JobHandler } from '../engine/index.js';
import type { Logger } from '../kernel/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Database } from '../store/index.js';
import { loadOrCreateClientKey } from './client-key.js';
import { createRegistryLookupHandler, type PersonalDataRead } from './connector.js';
import { startAgencySimulator } from './simulator-process.js';

export interface RegistryConnectorSetup {
  readonly handler: JobHandler | undefined;
  /** Where the registries are (the spawned simulator's URL in the demo). */
  readonly url: string | undefined;
  stop(): Promise<void>;
}

/**
 * For the composition root: the `registry-lookup` handler configured from the environment. With
 * GOVFLOW_REGISTRY_URL + GOVFLOW_REGISTRY_PUBLIC_KEY it talks to that registry; otherwise it spawns the agency
 * simulator on a free loopback port (the demo), trusting govflow's public key. GOVFLOW_REGISTRY=off disables it.
 */
export async function setUpRegistryConnector(options: {
  db: Database; engine: Engine; masterKey: string | Buffer; logger?: Logger; env?: NodeJS.ProcessEnv;
  onPersonalDataRead?: (read: PersonalDataRead) => Promise<void> | void;
  privacy: Privacy;
}): Promise<RegistryConnectorSetup> {
  const env = options.env ?? process.env;
  const none: RegistryConnectorSetup = { handler: undefined, url: undefined, stop: async () => {} };
  if (env['GOVFLOW_REGISTRY'] === 'off') return none;
  const clientKey = await loadOrCreateClientKey(options.db, options.masterKey);
  const common = { engine: options.engine, clientKey, privacy: options.privacy, ...(options.logger ? { logger: options.logger } : {}), ...(options.onPersonalDataRead ? { onPersonalDataRead: options.onPersonalDataRead } : {}) };
  if (env['GOVFLOW_REGISTRY_URL']) {
    const publicKey = env['GOVFLOW_REGISTRY_PUBLIC_KEY'];
    if (!publicKey) {
      options.logger?.warn('registry connector disabled: GOVFLOW_REGISTRY_URL is set without GOVFLOW_REGISTRY_PUBLIC_KEY');
      return none;
    }
    options.logger?.info({ url: env['GOVFLOW_REGISTRY_URL'], clientPublicKey: clientKey.publicKey }, 'registry connector configured (give clientPublicKey to the registry)');
    return { handler: createRegistryLookupHandler({ ...common, baseUrl: env['GOVFLOW_REGISTRY_URL'], registryPublicKey: publicKey }), url: env['GOVFLOW_REGISTRY_URL'], stop: async () => {} };
  }
  let sim;
  try {
    sim = await startAgencySimulator({ clients: { [clientKey.keyId]: clientKey.publicKey } });
  } catch (error) {
    // The demo's peer failing to start must not stop govflow: lookups then become incidents, visibly.
    options.logger?.error({ err: error }, 'agency simulator did not start; registry lookups are disabled');
    return none;
  }
  options.logger?.info({ url: sim.url }, 'agency simulator started (population and business registries)');
  return { handler: createRegistryLookupHandler({ ...common, baseUrl: sim.url, registryPublicKey: sim.publicKey }), url: sim.url, stop: () => sim.stop() };
}
