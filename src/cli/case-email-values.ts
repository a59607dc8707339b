import { localiseLetter, localiseService, offeredIn, type Catalogue } from '../catalogue/index.js';
import { formatDay, isLanguage, translate } from '../i18n/index.js';

/**
 * A case e-mail's values in the case's language (issue 21): the templates are translated (notifications'
 * `v<N>.<lang>.json`), but the values the case carries are its English words — the service's title, the outcome
 * `approved`/`refused`, the day as an ISO date. For a case in another language they are put in that language: the
 * service as its letter names it (the start page's title otherwise), the outcome as a word, the day through Intl.
 * English messages keep the values as they were.
 */
export function caseEmailValues(catalogue: () => Pick<Catalogue, 'get'>): (values: Record<string, unknown>) => Record<string, unknown> {
  return (values) => {
    const language = values['language'];
    if (!isLanguage(language) || language === 'en') return values;
    const out = { ...values };
    const service = typeof values['serviceId'] === 'string' ? catalogue().get(values['serviceId']) : undefined;
    if (service && offeredIn(service, language)) out['serviceName'] = service.letter ? localiseLetter(service.letter, language).serviceName : localiseService(service, language).title;
    const decision = values['decision'];
    if (decision === 'approved' || decision === 'refused') out['decision'] = translate(language, decision === 'approved' ? 'email.decision.approved' : 'email.decision.refused');
    if (typeof values['date'] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(values['date'])) out['date'] = formatDay(values['date'], language);
    return out;
  };
}
