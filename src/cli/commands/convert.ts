import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GovflowError } from '../../kernel/index.js';
import { convertCamunda7, convertReport, formatReport, type ConvertReport } from '../../convert/index.js';
import { parseCommandArgs, requiredPositional } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow convert <model.bpmn> [-o out.bpmn] [--report report.json] [--json]
  Rewrites a Camunda 7 model to govflow's (Camunda 8) dialect: JUEL becomes FEEL, delegates become job types,
  camunda:inputOutput / in / out become zeebe mappings (only mapped variables pass, as in Camunda 7), listeners
  become job listeners, form keys and assignments carry over. The converted file keeps the original's line numbers.
  -o, --out FILE     write the converted model to FILE (default: print it, with the report on stderr); each form
                     generated from camunda:formData goes beside it as <form id>.form
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

/** Where `-o out.bpmn` puts a generated form: beside the model, named after the form's id. */
export function formFile(out: string, formId: string): string {
  return path.join(path.dirname(out), `${formId}.form`);
}

export const command: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, report: { type: 'string' }, json: { type: 'boolean' } }, 1);
    const file = requiredPositional(positionals[0], 'the Camunda 7 model to convert (govflow convert model.bpmn)');
    const result = convertCamunda7(await readModel(file));
    const forms = result.forms ?? [];
    // The JSON report names each generated form and the file it was written to (null without -o).
    const report: ConvertReport & { forms?: { id: string; userTask: string; file: string | null }[] } = {
      ...convertReport(file, result),
      ...(forms.length > 0 ? { forms: forms.map((f) => ({ id: f.id, userTask: f.userTask, file: values.out ? formFile(values.out, f.id) : null })) } : {}),
    };
    if (values.out) await writeFile(values.out, result.xml);
    const written: string[] = [];
    for (const form of values.out ? forms : []) {
      const file = formFile(values.out!, form.id);
      await writeFile(file, `${JSON.stringify(form.schema, null, 2)}\n`);
      written.push(`form ${file} (generated from camunda:formData of user task ${form.userTask})`);
    }
    if (!values.out && forms.length > 0) written.push(`(no -o: ${forms.length} generated form${forms.length === 1 ? ' was' : 's were'} not written: ${forms.map((f) => f.id).join(', ')})`);
    if (values.report) await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
    const shown = values.json ? JSON.stringify(report, null, 2) : formatReport(report, process.stdout.columns ?? 120);
    if (values.out || values.json) {
      console.log(shown);
      if (!values.out && values.json) process.stderr.write('(no -o: the converted model was not written)\n');
    } else {
      console.log(result.xml);
      console.error(shown);
    }
    // Below the table; on stderr when stdout carries one document (the JSON report or the model itself).
    for (const line of written) (values.out && !values.json ? console.log : console.error)(line);
    return result.blocked.length === 0 ? 0 : 1;
  },
};
