/**
 * The one i18n layer (issue 21): message catalogues per language (ICU MessageFormat through intl-messageformat),
 * the reader's language (switcher, account preference, Accept-Language) carried with the request, and numbers,
 * money and days through Intl in that language. It knows nothing about pages or services; the web edge, the
 * portal, e-mails and letters ask it for words.
 */
export {
  chosenLanguage, DEFAULT_LANGUAGE, enablePseudoLanguages, fromAcceptLanguage, htmlLang, intlLocale, isLanguage, LANGUAGE_COOKIE, LANGUAGE_NAMES, LANGUAGES,
  PSEUDO_LANGUAGES, resolveLanguage, textDirection,
} from './languages.js';
export type { AnyLanguage, Language, LanguageSources, PseudoLanguage } from './languages.js';
export { answerInEnglish, catalogue, currentLanguage, currentUrl, holdReaderLanguage, unavailableLanguage, messageKeys, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, runInLanguage, t, translate } from './translate.js';
export type { MessageKey, MessageValues } from './translate.js';
export { formatDay, formatMoney, formatNumber } from './format.js';
