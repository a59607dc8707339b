import ca from './messages/staff/ca.json' with { type: 'json' };
import en from './messages/staff/en.json' with { type: 'json' };
import es from './messages/staff/es.json' with { type: 'json' };
import et from './messages/staff/et.json' with { type: 'json' };
import type { Language } from './languages.js';

/**
 * The staff pages' messages (workbench and admin, keys `staff.*`), in their own files beside the citizen ones: the
 * two are translated by different people at different times, and a file each keeps their edits apart. They join
 * the one catalogue per language in translate.ts, so `t()` and the completeness checks treat them alike.
 */
export const staffEn = en;
export const STAFF_CATALOGUES: Readonly<Record<Language, Readonly<Partial<Record<keyof typeof en, string>>>>> = { en, es, ca, et };
