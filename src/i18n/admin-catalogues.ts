import ca from './messages/admin/ca.json' with { type: 'json' };
import en from './messages/admin/en.json' with { type: 'json' };
import es from './messages/admin/es.json' with { type: 'json' };
import et from './messages/admin/et.json' with { type: 'json' };
import type { Language } from './languages.js';

/**
 * The administration pages' messages (keys `admin.*`), in files of their own beside the workbench's staff files:
 * translated by other people at other times, and a file each keeps their edits apart. They join the one catalogue
 * per language in translate.ts, as the staff files do.
 */
export const adminEn = en;
export const ADMIN_CATALOGUES: Readonly<Record<Language, Readonly<Partial<Record<keyof typeof en, string>>>>> = { en, es, ca, et };
