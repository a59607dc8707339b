import { readFile, writeFile } from 'node:fs/promises';
import { GovflowError } from '../../kernel/index.js';
import { convertCamunda7, convertReport, formatReport, type ConvertReport } from '../../convert/index.js';
import { parseCommandArgs, requiredPositional } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow convert <model.bpmn> [-o out.bpmn] [--report report.json] [--json]
  Rewrites a Camunda 7 model to govflow's (Camunda 8) dialect: JUEL becomes FEEL, delegates become job types,
  camunda:inputOutput / in / out become zeebe mappings (only mapped variables pass, as in Camunda 7), listeners
  become job listeners, form keys and assignments carry over. The converted file keeps the original's line numbers.
  -o, --out FILE     write the converted model to FILE (default: print it, with the report on stderr)
  --report FILE      write the report as JSON to FILE
  --json             print the report as JSON instead of a table
  Exit code 0 when everything converted, 1 when something is blocked (the report names it and what to do).
  See docs/convert.md.`;

export async function readModel(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot read ${file}`, [{ where: file, message: 'file not found or not readable' }]);
  }
}

export const command: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, report: { type: 'string' }, json: { type: 'boolean' } }, 1);
    const file = requiredPositional(positionals[0], 'the Camunda 7 model to convert (govflow convert model.bpmn)');
    const result = convertCamunda7(await readModel(file));
    const report: ConvertReport = convertReport(file, result);
    if (values.out) await writeFile(values.out, result.xml);
    if (values.report) await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
    const shown = values.json ? JSON.stringify(report, null, 2) : formatReport(report, process.stdout.columns ?? 120);
    if (values.out || values.json) {
      console.log(shown);
      if (!values.out && values.json) process.stderr.write('(no -o: the converted model was not written)\n');
    } else {
      console.log(result.xml);
      console.error(shown);
    }
    return result.blocked.length === 0 ? 0 : 1;
  },
};
