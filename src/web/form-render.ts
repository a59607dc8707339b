import { fields, type FieldComponent, type FieldError, type FormSchema, type RawInput } from './form-schema.js';
import { html, type SafeHtml } from './html.js';
import { t } from '../i18n/index.js';

/** Extra things a form shows that are not in the raw input. */
export interface RenderOptions {
  /** filepicker key → the files its answer holds now (name and size as shown), so the citizen sees what is kept. */
  readonly files?: Readonly<Record<string, readonly { readonly name: string; readonly size: string }[]>>;
}

/** Renders a form-js schema as GOV.UK Design System form groups, with the answers given so far and inline errors. */
export function renderFormFields(schema: FormSchema, input: RawInput, errors: readonly FieldError[], options: RenderOptions = {}): SafeHtml {
  const errorFor = new Map<string, FieldError>();
  for (const e of errors) if (!errorFor.has(e.key)) errorFor.set(e.key, e);
  return html`${schema.components.map((c) => (c.type === 'text' ? renderText(c.text) : renderField(c, input, errorFor.get(c.key), options)))}`;
}

function renderText(text: string): SafeHtml {
  // form-js text is Markdown; the portal shows it as plain paragraphs (no markup from schemas reaches a page).
  return html`${text.split(/\n{2,}/).filter((p) => p.trim() !== '').map((p) => html`<p class="govuk-body">${p.replace(/[#*_`]/g, '').trim()}</p>`)}`;
}

function value(input: RawInput, name: string): string {
  const v = input[name];
  return Array.isArray(v) ? (v[0] ?? '') : typeof v === 'string' ? v : '';
}

function values(input: RawInput, name: string): string[] {
  const v = input[name];
  return Array.isArray(v) ? [...v] : typeof v === 'string' ? [v] : [];
}

function hintAndError(field: FieldComponent, error: FieldError | undefined): { describedBy: string; parts: SafeHtml } {
  const ids = [field.description ? `${field.key}-hint` : '', error ? `${field.key}-error` : ''].filter(Boolean);
  return {
    describedBy: ids.join(' '),
    parts: html`${field.description ? html`<div id="${field.key}-hint" class="govuk-hint">${field.description}</div>` : ''}${
      error ? html`<p id="${field.key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}`,
  };
}

const describedByAttr = (ids: string): SafeHtml => (ids ? html` aria-describedby="${ids}"` : html``);
const widthClass = (field: FieldComponent): string => {
  const w = field.properties['width'];
  return w && /^(2|3|4|5|10|20|30)$/.test(w) ? ` govuk-input--width-${w}` : '';
};

export function renderField(field: FieldComponent, input: RawInput, error: FieldError | undefined, options: RenderOptions = {}): SafeHtml {
  const group = `govuk-form-group${error ? ' govuk-form-group--error' : ''}`;
  const { describedBy, parts } = hintAndError(field, error);
  const autocomplete = field.properties['autocomplete'];
  const autocompleteAttr = autocomplete && /^[a-z -]+$/.test(autocomplete) ? html` autocomplete="${autocomplete}"` : html``;
  switch (field.type) {
    case 'textfield':
    case 'number': {
      const numeric = field.type === 'number' ? html` inputmode="decimal" spellcheck="false"` : html``;
      const type = field.validate.validationType === 'email' ? 'email' : 'text';
      return html`<div class="${group}">
<label class="govuk-label govuk-label--s" for="${field.key}">${field.label}</label>
${parts}<input class="govuk-input${widthClass(field)}${error ? ' govuk-input--error' : ''}" id="${field.key}" name="${field.key}" type="${type}" value="${value(input, field.key)}"${numeric}${autocompleteAttr}${describedByAttr(describedBy)}>
</div>`;
    }
    case 'textarea':
      return html`<div class="${group}">
<label class="govuk-label govuk-label--s" for="${field.key}">${field.label}</label>
${parts}<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="${field.key}" name="${field.key}" rows="5"${describedByAttr(describedBy)}>${value(input, field.key)}</textarea>
</div>`;
    case 'checkbox':
    case 'checklist': {
      const items = field.type === 'checkbox' ? [{ value: 'true', label: field.properties['checkboxLabel'] ?? field.label }] : (field.values ?? []);
      const chosen = new Set(values(input, field.key));
      return html`<div class="${group}">
<fieldset class="govuk-fieldset"${describedByAttr(describedBy)}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${field.label}</legend>
${parts}<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
${items.map((item, i) => {
  const id = i === 0 ? field.key : `${field.key}-${i + 1}`;
  return html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${id}" name="${field.key}" type="checkbox" value="${item.value}"${chosen.has(item.value) ? html` checked` : ''}><label class="govuk-label govuk-checkboxes__label" for="${id}">${item.label}</label></div>
`;
})}</div>
</fieldset>
</div>`;
    }
    case 'radio': {
      const chosen = value(input, field.key);
      return html`<div class="${group}">
<fieldset class="govuk-fieldset"${describedByAttr(describedBy)}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${field.label}</legend>
${parts}<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
${(field.values ?? []).map((item, i) => {
  const id = i === 0 ? field.key : `${field.key}-${i + 1}`;
  return html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${id}" name="${field.key}" type="radio" value="${item.value}"${chosen === item.value ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="${id}">${item.label}</label></div>
`;
})}</div>
</fieldset>
</div>`;
    }
    case 'select': {
      const chosen = value(input, field.key);
      return html`<div class="${group}">
<label class="govuk-label govuk-label--s" for="${field.key}">${field.label}</label>
${parts}<select class="govuk-select${error ? ' govuk-select--error' : ''}" id="${field.key}" name="${field.key}"${describedByAttr(describedBy)}>
<option value=""${chosen === '' ? html` selected` : ''}>${t('form.chooseOption')}</option>
${(field.values ?? []).map((item) => html`<option value="${item.value}"${chosen === item.value ? html` selected` : ''}>${item.label}</option>
`)}</select>
</div>`;
    }
    case 'datetime':
      return renderDateTime(field, input, error, group);
    case 'filepicker':
      return renderFilePicker(field, error, group, options.files?.[field.key] ?? []);
  }
}

/** Names the accepted types the way a citizen reads them: ".pdf,image/png" → "PDF, PNG". */
export function acceptedTypesLabel(accept: string | undefined): string {
  if (!accept) return '';
  const names = accept.split(',').map((a) => a.trim()).filter(Boolean).map((a) => (a.startsWith('.') ? a.slice(1) : (a.split('/')[1] ?? a)).toUpperCase().replace(/^JPG$/, 'JPEG'));
  return [...new Set(names)].join(', ');
}

const DATE_PARTS = { day: 'form.day', month: 'form.month', year: 'form.year' } as const;

function renderFilePicker(field: FieldComponent, error: FieldError | undefined, group: string, current: readonly { readonly name: string; readonly size: string }[]): SafeHtml {
  // The size limit comes from the service's documents rule, passed by the portal as properties.maxSize (e.g. "10 MB").
  const types = acceptedTypesLabel(field.accept);
  const size = field.properties['maxSize'];
  const limits = [types ? `${types}` : '', size ? t('form.upTo', { size }) : ''].filter(Boolean).join(', ');
  const hint = [(field.description ?? '').replace(/\.\s*$/, ''), limits].filter(Boolean).join('. ');
  const describedBy = [current.length > 0 ? `${field.key}-current` : '', hint ? `${field.key}-hint` : '', error ? `${field.key}-error` : ''].filter(Boolean).join(' ');
  // A file already uploaded is kept when the page is sent without a new one (browsers never refill a file input).
  const kept = current.length > 0 ? html`<p class="govuk-body" id="${field.key}-current">${t('form.uploaded')} ${current.map((f, i) => html`${i > 0 ? ', ' : ''}<strong>${f.name}</strong> (${f.size})`)}. ${t('form.replace', { count: current.length })}</p>` : '';
  return html`<div class="${group}">
<label class="govuk-label govuk-label--s" for="${field.key}">${field.label}</label>
${kept}${hint ? html`<div id="${field.key}-hint" class="govuk-hint">${hint}</div>` : ''}${
  error ? html`<p id="${field.key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}<input class="govuk-file-upload${error ? ' govuk-file-upload--error' : ''}" id="${field.key}" name="${field.key}" type="file"${field.accept ? html` accept="${field.accept}"` : ''}${field.multiple ? html` multiple` : ''}${describedByAttr(describedBy)}>
</div>`;
}

function renderDateTime(field: FieldComponent, input: RawInput, error: FieldError | undefined, group: string): SafeHtml {
  const hintId = `${field.key}-hint`;
  const example = field.subtype === 'time' ? t('form.exampleTime') : field.subtype === 'datetime' ? t('form.exampleDateTime') : t('form.exampleDate');
  const hint = field.description ? `${field.description} ${example}` : example;
  const describedBy = [hintId, error ? `${field.key}-error` : ''].filter(Boolean).join(' ');
  const errorHtml = error ? html`<p id="${field.key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : '';
  const part = (name: 'day' | 'month' | 'year', width: number): SafeHtml => {
    const id = `${field.key}-${name}`;
    return html`<div class="govuk-date-input__item"><div class="govuk-form-group"><label class="govuk-label govuk-date-input__label" for="${id}">${t(DATE_PARTS[name])}</label><input class="govuk-input govuk-date-input__input govuk-input--width-${width}${error ? ' govuk-input--error' : ''}" id="${id}" name="${id}" type="text" inputmode="numeric" value="${value(input, id)}"></div></div>
`;
  };
  const timeId = `${field.key}-time`;
  const time = html`<div class="govuk-form-group"><label class="govuk-label" for="${timeId}">${t('form.time')}</label><input class="govuk-input govuk-input--width-5${error ? ' govuk-input--error' : ''}" id="${timeId}" name="${timeId}" type="text" value="${value(input, timeId)}"></div>`;
  return html`<div class="${group}">
<fieldset class="govuk-fieldset" aria-describedby="${describedBy}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${field.label}</legend>
<div id="${hintId}" class="govuk-hint">${hint}</div>
${errorHtml}${field.subtype !== 'time' ? html`<div class="govuk-date-input" id="${field.key}">
${part('day', 2)}${part('month', 2)}${part('year', 4)}</div>
` : ''}${field.subtype !== 'date' ? time : ''}
</fieldset>
</div>`;
}

/** The GOV.UK error summary: a heading and a link to each field with a problem. */
export function renderErrorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
<div role="alert">
<h2 class="govuk-error-summary__title">${t('form.problem')}</h2>
<div class="govuk-error-summary__body">
<ul class="govuk-list govuk-error-summary__list">
${errors.map((e) => html`<li><a href="#${e.anchor}">${e.message}</a></li>
`)}</ul>
</div>
</div>
</div>`;
}


