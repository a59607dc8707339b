import ca from './messages/transparency/ca.json' with { type: 'json' };
import en from './messages/transparency/en.json' with { type: 'json' };
import es from './messages/transparency/es.json' with { type: 'json' };
import et from './messages/transparency/et.json' with { type: 'json' };
import type { Language } from './languages.js';

/**
 * The public transparency pages' messages (keys `transparency.*`: performance, spending, projects, open data), in
 * files of their own beside the citizen ones, as the staff and admin files are. They join the one catalogue per
 * language in translate.ts.
 */
export const transparencyEn = en;
export const TRANSPARENCY_CATALOGUES: Readonly<Record<Language, Readonly<Partial<Record<keyof typeof en, string>>>>> = { en, es, ca, et };
