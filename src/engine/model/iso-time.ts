import { GovflowError } from '../../kernel/index.js';

// Timers read ISO 8601 through the kernel's one duration module; only the timer's error wording is the engine's.
export { addDuration, parseIsoCycle, parseIsoDate, parseIsoDuration } from '../../kernel/index.js';
export type { IsoCycle, IsoDuration } from '../../kernel/index.js';

export function invalidTimer(elementId: string, text: string, kind: string, line?: number): GovflowError {
  return new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `timer ${kind} '${text}' of ${elementId} is not valid ISO 8601`, [
    { where: elementId, line, message: `timer ${kind} '${text}' is not a valid ISO 8601 ${kind}` },
  ]);
}
