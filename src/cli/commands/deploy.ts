import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GovflowError } from '../../kernel/index.js';
import { callApi, reachableServer } from '../api-client.js';
import { parseCommandArgs } from '../args.js';
import { openGovflow } from '../compose.js';
import type { Command } from '../command.js';

/**
 * `--convert`: each Camunda 7 BPMN file goes through the converter first; if anything in any file is blocked,
 * nothing is deployed and the reports say what and where (a half-converted model must never run).
 */
async function convertResources(resources: { name: string; content: string }[]): Promise<{ name: string; content: string }[]> {
  const { convertCamunda7, convertReport, formatReport } = await import('../../convert/index.js');
  const out: { name: string; content: string }[] = [];
  const blocked: { where: string; line: number; message: string }[] = [];
  for (const r of resources) {
    if (!/\.(bpmn|bpmn20\.xml)$/i.test(r.name) || !/http:\/\/(camunda\.org\/schema\/1\.0\/bpmn|activiti\.org\/bpmn)"/.test(r.content)) {
      out.push(r);
      continue;
    }
    const result = convertCamunda7(r.content);
    const report = convertReport(r.name, result);
    console.error(formatReport(report, process.stderr.columns ?? 120));
    console.error('');
    blocked.push(...result.blocked.map((b) => ({ where: `${r.name} ${b.elementId}`, line: b.line, message: b.message })));
    out.push({ name: r.name, content: result.xml });
    // The forms generated from camunda:formData go into the same deployment as the model that names them.
    for (const form of result.forms ?? []) {
      out.push({ name: `${form.id}.form`, content: `${JSON.stringify(form.schema, null, 2)}\n` });
      console.error(`${r.name}: deploying the form generated for user task ${form.userTask} as ${form.id}.form`);
    }
  }
  if (blocked.length > 0) {
    throw new GovflowError('GOVFLOW_ERR_BPMN_EXTENSION_REFUSED', `not deployed: ${blocked.length} Camunda 7 construct${blocked.length === 1 ? '' : 's'} could not be converted (see the report above)`, blocked);
  }
  return out;
}

export const command: Command = {
  usage: 'govflow deploy <file...> [--name NAME] [--url http://127.0.0.1:3000] [--convert]\n  --convert  convert Camunda 7 BPMN files first (as govflow convert), with the forms generated from camunda:formData; refuses to deploy if anything is blocked',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, url: { type: 'string' }, convert: { type: 'boolean' } }, Infinity);
    if (positionals.length === 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'name at least one file to deploy');
    let resources = await Promise.all(positionals.map(async (file) => {
      try {
        return { name: path.basename(file), content: await readFile(file, 'utf8') };
      } catch {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot read ${file}`, [{ where: file, message: 'file not found or not readable' }]);
      }
    }));
    if (values.convert) resources = await convertResources(resources);
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
