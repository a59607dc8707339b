import { GovflowError, loadConfig } from '../../kernel/index.js';
import { API_KEY_SCOPES, issueApiKey, listApiKeys, revokeApiKey, rotateApiKey } from '../../identity/index.js';
import { openDatabaseFromConfig } from '../../store/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow apikey <command>
  create --name N --scope S… [--service ID…] [--department D]  issue an agency API key; the key is printed once
  list                                                      every key: id, name, prefix, scopes, department, status
  rotate <id>                                               a new key for the same client (printed once); the old one stops working
  revoke <id>                                               the key stops working at once
Scopes: ${API_KEY_SCOPES.join(', ')}. --service: the services (catalogue ids) whose cases and jobs it may act on. A key acts only under its scopes' API paths; only its SHA-256 is stored.`;

const ACTOR = 'system:cli';

/** `govflow apikey`: agency API keys from the command line (the same functions as /admin/api-keys). */
export const command: Command = {
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'create' && sub !== 'list' && sub !== 'rotate' && sub !== 'revoke') throw usageError(`unknown apikey command '${sub ?? ''}'\n${USAGE}`);
    const { values, positionals } = parseCommandArgs(rest, { name: { type: 'string' }, scope: { type: 'string', multiple: true }, service: { type: 'string', multiple: true }, department: { type: 'string' } }, sub === 'rotate' || sub === 'revoke' ? 1 : 0);
    if (sub === 'create' && (!values.name || !values.scope?.length)) throw usageError(`apikey create needs --name and at least one --scope\n${USAGE}`);
    const id = positionals[0];
    if ((sub === 'rotate' || sub === 'revoke') && !id) throw usageError(`apikey ${sub} needs the key's id (see apikey list)`);
    const db = await openDatabaseFromConfig(loadConfig(), { poolSize: 2 });
    try {
      if (sub === 'create') {
        const issued = await issueApiKey(db, { name: values.name!, scopes: values.scope!.flatMap((s) => s.split(',')), department: values.department, services: (values.service ?? []).flatMap((s) => s.split(',')) }, ACTOR);
        console.log(`created API key ${issued.id}; the key is shown only now, store it in the receiving system:\n${issued.key}`);
        return 0;
      }
      if (sub === 'list') {
        for (const k of await listApiKeys(db)) {
          console.log([k.id, k.name, `${k.prefix}…`, k.scopes.join(',') || '(unscoped)', k.department ?? '-', k.services.join(',') || '-', k.revokedAt ? `revoked ${k.revokedAt}` : 'active'].join('\t'));
        }
        return 0;
      }
      if (sub === 'rotate') {
        const rotated = await rotateApiKey(db, id!, ACTOR);
        if (!rotated) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `no active API key '${id}' (see apikey list)`);
        console.log(`rotated API key ${rotated.id}; the old key no longer works. The new key is shown only now:\n${rotated.key}`);
        return 0;
      }
      if (!(await revokeApiKey(db, id!, ACTOR))) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `no active API key '${id}' (see apikey list)`);
      console.log(`revoked API key ${id}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
