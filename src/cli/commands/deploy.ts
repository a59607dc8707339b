import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GovflowError } from '../../kernel/index.js';
import { callApi, reachableServer } from '../api-client.js';
import { parseCommandArgs } from '../args.js';
import { openGovflow } from '../compose.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: 'govflow deploy <file...> [--name NAME] [--url http://127.0.0.1:3000]',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, url: { type: 'string' } }, Infinity);
    if (positionals.length === 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'name at least one file to deploy');
    const resources = await Promise.all(positionals.map(async (file) => {
      try {
        return { name: path.basename(file), content: await readFile(file, 'utf8') };
      } catch {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot read ${file}`, [{ where: file, message: 'file not found or not readable' }]);
      }
    }));
    const server = await reachableServer(values.url);
    let result: unknown;
    if (server) {
      result = await callApi(server, 'POST', '/api/deployments', { resources, ...(values.name ? { name: values.name } : {}) });
    } else {
      const govflow = await openGovflow();
      try {
        result = await govflow.engine.deploy(resources, values.name ? { name: values.name } : {});
      } finally {
        await govflow.close();
      }
    }
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
