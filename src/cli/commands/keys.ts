import path from 'node:path';
import { GovflowError, loadConfig, openSecret, readMasterKeyFile, resolveMasterKey, sealSecret } from '../../kernel/index.js';
import { rewrapSigningKeyBoxes, SigningKeys } from '../../documents/index.js';
import { rewrapIdentitySecrets } from '../../identity/index.js';
import { installNextSigner, loadOrCreateSigner, prepareNextSigner } from '../../ledger/index.js';
import { createVault, retireUnusedDataKeys, rewrapVaultMasterKey } from '../../privacy/index.js';
import { rewrapClientKeys } from '../../registries/index.js';
import { finishRotation, openDatabaseFromConfig, openRotation, recordRotationDetail, type Database, type RewrapOptions, type Rotation } from '../../store/index.js';
import { numberFlag, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow keys rotate <signing|vault|master> [--batch-size 500] [--new-key-file FILE]
  signing   a new key signs decisions and ledger tree heads; the old public keys stay published, so everything
            signed before still verifies
  vault     a new data key for the identifier vault; every identifier is re-encrypted under it, the old keys deleted
  master    re-seals every secret kept in the database (signing keys, data keys, authenticator secrets, registry
            client key) under the key in --new-key-file; then point GOVFLOW_MASTER_KEY_FILE at it and restart
A rotation interrupted (killed, crashed, lost connection) is continued by running the same command again.`;

const CHECK_CONTEXT = 'keys.master-rotation-check';

const ACTOR = 'system:cli';

/** Work is committed a batch at a time; GOVFLOW_KEYS_PAUSE_AFTER_BATCHES stops after N, for tests to kill it there. */
function batchHook(): () => Promise<void> {
  const pauseAfter = Number(process.env['GOVFLOW_KEYS_PAUSE_AFTER_BATCHES'] ?? 0);
  let done = 0;
  return async () => {
    done += 1;
    if (pauseAfter > 0 && done === pauseAfter) {
      process.stderr.write(`keys: paused after ${done} batches\n`);
      await new Promise<never>(() => setInterval(() => undefined, 60_000));
    }
  };
}

async function rotateSigning(db: Database, masterKey: string, ledgerKeyFile: string, options: RewrapOptions, state: { rotation: Rotation }): Promise<string> {
  if (!state.rotation.detail['documentsKid']) {
    const { kid } = await new SigningKeys(db, masterKey).rotate(ACTOR);
    state.rotation = await recordRotationDetail(db, state.rotation, ACTOR, { documentsKid: kid });
    await options.afterBatch?.();
  }
  // The ledger's next key is written beside the current one first; a rerun finds it there and installs it.
  const current = await loadOrCreateSigner(ledgerKeyFile);
  if (current.keyId !== state.rotation.detail['ledgerKeyId']) {
    const next = await prepareNextSigner(ledgerKeyFile);
    state.rotation = await recordRotationDetail(db, state.rotation, ACTOR, { ledgerKeyId: next.keyId });
    await options.afterBatch?.();
    await installNextSigner(db, ledgerKeyFile, next);
  }
  return `decisions are signed by key ${state.rotation.detail['documentsKid']}, ledger tree heads by key ${state.rotation.detail['ledgerKeyId']}; older public keys stay published (restart running processes to sign with the new keys)`;
}

async function rotateVault(db: Database, masterKey: string, options: RewrapOptions, state: { rotation: Rotation }): Promise<string> {
  const vault = createVault({ db, masterKey });
  if (!state.rotation.detail['keyId']) state.rotation = await recordRotationDetail(db, state.rotation, ACTOR, { keyId: String(await vault.rotateDataKey()) });
  let moved = 0;
  for (let n = await vault.reencrypt(options.batchSize); n > 0; n = await vault.reencrypt(options.batchSize)) {
    moved += n;
    await options.afterBatch?.();
  }
  let records = 0;
  for (let n = await vault.records.reencrypt(options.batchSize); n > 0; n = await vault.records.reencrypt(options.batchSize)) {
    records += n;
    await options.afterBatch?.();
  }
  const retired = await retireUnusedDataKeys(db);
  return `data key ${state.rotation.detail['keyId']} is current; ${moved} identifiers and ${records} personal records re-encrypted in this run, ${retired} old data keys deleted`;
}

async function rotateMaster(db: Database, from: string, to: string, options: RewrapOptions, state: { rotation: Rotation }): Promise<string> {
  if (from === to) throw new GovflowError('GOVFLOW_ERR_KEY_ROTATION', 'the new master key is the one in use: write a new key to --new-key-file');
  const check = state.rotation.detail['check'];
  if (check) {
    try {
      openSecret(check, to, CHECK_CONTEXT);
    } catch {
      throw new GovflowError('GOVFLOW_ERR_KEY_ROTATION', 'an unfinished master key rotation was begun with another new key: rerun it with that key\'s file');
    }
  } else {
    state.rotation = await recordRotationDetail(db, state.rotation, ACTOR, { check: sealSecret('govflow', to, CHECK_CONTEXT) });
  }
  const keys = { from, to };
  const moved = await rewrapSigningKeyBoxes(db, keys, options) + await rewrapClientKeys(db, keys, options)
    + await rewrapIdentitySecrets(db, keys, options) + await rewrapVaultMasterKey(db, keys, options);
  return `${moved} secrets re-sealed in this run; every secret now opens under the new key. Point GOVFLOW_MASTER_KEY_FILE (or GOVFLOW_MASTER_KEY) at it and restart every govflow process`;
}

/** `govflow keys rotate …`: crash-safe rotation of the signing keys, the vault's data key and the master key. */
export const command: Command = {
  usage: USAGE,
  async run(argv) {
    const [sub, kind, ...rest] = argv;
    if (sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (sub !== 'rotate' || (kind !== 'signing' && kind !== 'vault' && kind !== 'master')) throw usageError(`keys: expected 'rotate signing', 'rotate vault' or 'rotate master'\n${USAGE}`);
    const { values } = parseCommandArgs(rest, { 'batch-size': { type: 'string' }, 'new-key-file': { type: 'string' } });
    const batchSize = numberFlag('--batch-size', values['batch-size'], 500, { min: 1, max: 100_000, integer: true });
    if (kind === 'master' && !values['new-key-file']) throw usageError(`keys rotate master needs --new-key-file FILE (the new master key)\n${USAGE}`);
    if (kind !== 'master' && values['new-key-file']) throw usageError('--new-key-file is only for keys rotate master');
    const config = loadConfig();
    const masterKey = resolveMasterKey(config);
    const newKey = kind === 'master' ? readMasterKeyFile(path.resolve(values['new-key-file']!), '--new-key-file') : '';
    const db = await openDatabaseFromConfig(config, { poolSize: 2 });
    try {
      const state = { rotation: await openRotation(db, kind, ACTOR) };
      if (state.rotation.resumed) console.log(`keys: continuing the ${kind} key rotation begun earlier`);
      const options: RewrapOptions = { batchSize, afterBatch: batchHook() };
      const ledgerKeyFile = process.env['GOVFLOW_LEDGER_KEY_FILE'] || path.join(config.dataDir, 'ledger-signing-key.pem');
      const summary = kind === 'signing' ? await rotateSigning(db, masterKey, ledgerKeyFile, options, state)
        : kind === 'vault' ? await rotateVault(db, masterKey, options, state)
          : await rotateMaster(db, masterKey, newKey, options, state);
      await db.transaction((tx) => finishRotation(tx, state.rotation, ACTOR, {}));
      console.log(`keys: ${kind} rotation done: ${summary}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
