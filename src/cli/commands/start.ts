import { GovflowError } from '../../kernel/index.js';
import { callApi, reachableServer } from '../api-client.js';
import { parseCommandArgs, requiredPositional } from '../args.js';
import { openGovflow } from '../compose.js';
import type { Command } from '../command.js';

/** `k=v`: the value is read as JSON when it is JSON (numbers, booleans, objects), else as a string. */
export function parseVar(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `--var '${text}' must look like name=value`);
  const name = text.slice(0, at);
  const raw = text.slice(at + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

export const command: Command = {
  usage: 'govflow start <processId> [--var name=value ...] [--business-key KEY] [--url http://127.0.0.1:3000]',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { var: { type: 'string', multiple: true }, 'business-key': { type: 'string' }, url: { type: 'string' } }, 1);
    const processKey = requiredPositional(positionals[0], 'the process to start');
    const variables = Object.fromEntries((values.var ?? []).map(parseVar));
    const businessKey = values['business-key'] ?? null;
    const server = await reachableServer(values.url);
    let result: unknown;
    if (server) {
      result = await callApi(server, 'POST', '/api/process-instances', { processKey, variables, ...(businessKey ? { businessKey } : {}) });
    } else {
      const govflow = await openGovflow();
      try {
        result = await govflow.engine.startInstance(processKey, { variables, businessKey });
      } finally {
        await govflow.close();
      }
    }
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
