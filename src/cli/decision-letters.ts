import { answersAsShown, caseDecisionReasons, composeLetter, letterDecisionWords, localiseService, offeredIn, reasonsInWords, type Catalogue, type Service } from '../catalogue/index.js';
import type { ComposeLetter } from '../documents/index.js';
import type { ActivatedJob, EventView } from '../engine/index.js';

/**
 * The one place a decision letter reads the case's data: the job's variables and the answers as the citizen saw
 * them. Personal data kept in the vault (national IDs, registry records) is to be resolved here, at render time,
 * so the letter template and the PDF never learn where a value is stored.
 */
export async function letterData(service: Service, job: ActivatedJob): Promise<Record<string, unknown>> {
  return { ...job.variables, shown: answersAsShown(service, job.variables) };
}

/**
 * The issue-decision job's letter: the service's `letter.json` (as the live catalogue has it) filled from the case,
 * with the case's decisions in plain words (the rules that matched and why), read from the events the engine stored
 * when each decision ran: the same reading the clerk's case page shows. All in the case's language (recorded when
 * the citizen applied), when the service is offered in it: the letter's words, the answers as the citizen read them
 * (the service's translated labels), the department's name and the decision tables' words.
 */
export function decisionLetters(catalogue: Catalogue, caseEvents: (instanceId: number) => Promise<readonly EventView[]>): ComposeLetter {
  return async (job, input, issuedAt) => {
    const service = catalogue.get(input.service);
    if (!service?.letter) return null;
    const language = input.language && offeredIn(service, input.language) ? input.language : 'en';
    const read = localiseService(service, language);
    const words = letterDecisionWords(service.letter, language);
    const rulesApplied = caseDecisionReasons(service, await caseEvents(job.instanceId), language, words);
    const letter = composeLetter(service.letter, read.department, await letterData(read, job), input.outcome, issuedAt, rulesApplied, language);
    return { ...letter, reasons: reasonsInWords(service, input.reasons, words) };
  };
}
