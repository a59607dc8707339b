/**
 * The Camunda 7 → govflow (Camunda 8 dialect) model converter: `govflow convert` and `govflow deploy --convert`.
 * Pure text in, text out: it reads the model with its own offsets-keeping XML reader, so the converted file keeps
 * the original's line numbers and every report line points into the original.
 */
import { convert, type ConvertOptions, type ConvertResult } from './convert.js';

export type { ConvertNote, ConvertOptions, ConvertResult } from './convert.js';
export type { FormJsComponent, FormJsSchema, GeneratedForm } from './convert-form-data.js';
export { convertReport, formatReport } from './report.js';
export type { ConvertReport, ReportRow } from './report.js';
export { juelToFeel, juelValueToFeel, JuelUntranslatable } from './juel.js';
export { javascriptToFeel } from './convert-scripts.js';

/**
 * Converts a Camunda 7 BPMN model. `changes` lists what was rewritten (severity info) or rewritten with a
 * difference to check (review); `blocked` lists what could not be converted and is left as it was, so a model with
 * anything blocked does not deploy; `forms` holds the Camunda Forms generated from camunda:formData, to deploy with
 * the model (each converted task names its form by id). Throws GOVFLOW_ERR_BPMN_PARSE (with the line) for text that is not BPMN XML.
 */
export function convertCamunda7(xml: string, options: ConvertOptions = {}): ConvertResult {
  return convert(xml, options);
}
