import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { GovflowError } from '../kernel/index.js';
import { isLanguage, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, type Language } from '../i18n/index.js';

/**
 * Versioned message templates: `templates/<name>/v<N>.json` with `subject`, `text` and `html`. A wording change
 * is a new file, never an edit, so each outbox row records which version the applicant actually received.
 * A version's other languages sit beside it as `v<N>.<lang>.json` (issue 21): a message goes out in the case's
 * language (its `language` variable, set when the citizen applied), in English when that version has no such file.
 */
export interface MessageTemplate {
  readonly name: string;
  readonly version: number;
  readonly language: Language;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface RenderedMessage {
  readonly template: string;
  readonly version: number;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

export class TemplateStore {
  private readonly byName = new Map<string, MessageTemplate[]>();
  private readonly translated = new Map<string, MessageTemplate>();

  constructor(readonly dir: string = DEFAULT_TEMPLATES_DIR) {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (!NAME.test(name)) continue;
      const versions: MessageTemplate[] = [];
      for (const file of readdirSync(path.join(dir, name))) {
        const m = /^v([1-9]\d{0,5})(?:\.([a-z]{2}))?\.json$/.exec(file);
        if (!m) continue;
        const language = m[2] ?? 'en';
        if (!isLanguage(language)) throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `template ${name}/${file}: '${language}' is not one of en, es, ca, et`, [{ where: `${name}/${file}`, message: 'unknown language' }]);
        const raw = JSON.parse(readFileSync(path.join(dir, name, file), 'utf8')) as Record<string, unknown>;
        for (const key of ['subject', 'text', 'html'] as const) {
          if (typeof raw[key] !== 'string') throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `template ${name}/${file} lacks a string '${key}'`, [{ where: `${name}/${file}`, message: `'${key}' missing` }]);
        }
        const template = { name, version: Number(m[1]), language, subject: raw['subject'] as string, text: raw['text'] as string, html: raw['html'] as string };
        if (language === 'en') versions.push(template);
        else this.translated.set(`${name}/${template.version}/${language}`, template);
      }
      versions.sort((a, b) => a.version - b.version);
      if (versions.length > 0) this.byName.set(name, versions);
    }
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The given version, or the newest. */
  get(name: string, version?: number): MessageTemplate {
    const versions = this.byName.get(name);
    const found = version === undefined ? versions?.at(-1) : versions?.find((t) => t.version === version);
    if (!found) {
      throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `no notification template '${name}'${version === undefined ? '' : ` version ${version}`} (known: ${this.names().join(', ')})`, [{ where: 'template', message: 'unknown template' }]);
    }
    return found;
  }

  /** The languages a template version is written in (English always). */
  languagesOf(name: string, version?: number): Language[] {
    const t = this.get(name, version);
    return ['en', ...(['es', 'ca', 'et'] as const).filter((l) => this.translated.has(`${name}/${t.version}/${l}`))];
  }

  render(name: string, values: Record<string, unknown>, version?: number): RenderedMessage {
    const english = this.get(name, version);
    const language = values['language'];
    const t = typeof language === 'string' && language === 'qps' ? pseudoTemplate(english)
      : (isLanguage(language) ? this.translated.get(`${name}/${english.version}/${language}`) : undefined) ?? english;
    return {
      template: t.name, version: t.version,
      // A subject is a header line: a value with a line break must not add headers.
      subject: fill(t, t.subject, values, (s) => s.replace(/[\r\n]+/g, ' ')),
      text: fill(t, t.text, values, (s) => s),
      html: fill(t, t.html, values, escapeHtml),
    };
  }
}

function fill(t: MessageTemplate, source: string, values: Record<string, unknown>, encode: (s: string) => string): string {
  return source.replace(PLACEHOLDER, (_all, key: string) => {
    const value = values[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return encode(String(value));
    throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `template ${t.name} v${t.version} needs placeholder '${key}' (a string or number)`, [{ where: key, message: 'missing placeholder value' }]);
  });
}

/**
 * The pseudo-language (the pseudo-locale test only): every word of the template's own text marked, placeholders and
 * markup left alone, so a word that would reach a citizen untranslated stands out.
 */
function pseudoTemplate(t: MessageTemplate): MessageTemplate {
  const mark = (source: string): string => source.split(/(\{\{[^}]*\}\}|<[^>]*>|\n+)/).map((part, i) => (i % 2 === 1 || !/[A-Za-z]/.test(part) ? part : `${PSEUDO_OPEN}${pseudoText(part)}${PSEUDO_CLOSE}`)).join('');
  return { ...t, subject: mark(t.subject), text: mark(t.text), html: mark(t.html) };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
