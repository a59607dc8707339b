// Acceptance 2 of issue 23: every error every form can show, produced by the real validation and rendered on the
// form, follows the GOV.UK error message guidance; docs/portal.md lists them all for review.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { escapeHtml, fields, html, parseFormSchema, probeFormErrors, renderErrorSummary, renderFormFields, validateAnswers, type FormSchema } from '../../src/web/index.js';

const root = new URL('../../', import.meta.url);

async function allForms(): Promise<{ name: string; schema: FormSchema }[]> {
  const out: { name: string; schema: FormSchema }[] = [];
  for (const service of (await readdir(new URL('services/', root))).sort()) {
    const dir = new URL(`services/${service}/forms/`, root);
    for (const file of (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.form')).sort()) {
      const { schema, problems } = parseFormSchema(JSON.parse(await readFile(new URL(file, dir), 'utf8')));
      assert.deepEqual(problems, [], `${service}/${file}`);
      out.push({ name: `${service}/${file}`, schema: schema! });
    }
  }
  return out;
}

/** A label that asks or instructs: it must never appear inside a message. */
const QUESTION_OR_INSTRUCTION = /^(are|is|do|does|has|have|can|will|describe|tell|give|enter|select|list|explain)\b/i;
/** A question's word order ("When do you plan", "Where is it") has no place in a message. */
const INVERTED = /\b(when|what|where|which|who|how)( \w+)? (do|does|did|is|are|will|should|can) (you|it|they|we|the)\b/i;
/** GOV.UK messages open with what to do, or with the thing that is wrong. */
const OPENING_VERB = /^(Enter|Select|Confirm|Choose|Upload) /;
/** "Enter describe the work", "Select are you …": a verb followed by the first word of a question or instruction. */
const PASTED = /^(Enter|Select|Confirm|Choose|Upload) (are|is|do|does|has|have|can|will|describe|tell|give|enter|select|list|explain|when|what is|where is)\b/i;

function checkMessage(label: string, subjectOf: string | undefined, message: string): string[] {
  const wrong: string[] = [];
  if (message.includes('?')) wrong.push('asks a question');
  if (/\(optional\)/i.test(message)) wrong.push('pastes "(optional)"');
  if (/[.!]$/.test(message)) wrong.push('ends with a full stop');
  if (PASTED.test(message)) wrong.push('pastes a question or instruction after the verb');
  if (INVERTED.test(message)) wrong.push('keeps a question\'s word order');
  if (QUESTION_OR_INSTRUCTION.test(label) && message.toLowerCase().includes(label.replace(/\s*\(optional\)/i, '').replace(/\?$/, '').toLowerCase())) wrong.push('pastes the label');
  if (/\b(an answer|an option)\b/.test(message) || /^Your answer\b/.test(message) && label !== 'Your answer') wrong.push('a generic fallback: the form needs an errorName');
  const opensWell = OPENING_VERB.test(message) || /^(The|Your) /.test(message) || (subjectOf !== undefined && message.startsWith(`${subjectOf} `));
  if (!opensWell) wrong.push('opens with neither a verb, "The …" nor the field\'s name');
  return wrong;
}

describe('GOV.UK error messages', () => {
  it('every form\'s every error is worded after the guidance, and shown on the form and in the summary', async () => {
    const forms = await allForms();
    assert.ok(forms.length >= 20, 'the services\' forms are found');
    const failures: string[] = [];
    let count = 0;
    for (const { name, schema } of forms) {
      const probed = probeFormErrors(schema);
      for (const field of fields(schema)) {
        const kinds = probed.filter((p) => p.key === field.key).map((p) => p.probe);
        // Each kind of problem a field can have is tried: empty, wrong type, out of range, impossible date.
        const expected = [
          ...(field.validate.required ? ['empty'] : []),
          ...(field.type === 'number' ? ['not a number'] : []),
          ...(field.validate.min !== undefined ? ['too small'] : []), ...(field.validate.max !== undefined ? ['too big'] : []),
          ...(field.validate.maxLength !== undefined ? ['too long'] : []),
          ...(field.type === 'datetime' && field.subtype !== 'time' ? ['bad date: 31/2/2024', 'date without a month'] : []),
          ...(field.type === 'radio' || field.type === 'select' || field.type === 'checklist' ? ['a value not offered'] : []),
        ];
        for (const k of expected) if (!kinds.includes(k)) failures.push(`${name} ${field.key}: no error for "${k}"`);
      }
      for (const p of probed) {
        count++;
        const field = fields(schema).find((f) => f.key === p.key)!;
        const errorName = field.properties['errorName'];
        const subject = field.properties['errorSubject'] ?? (errorName ? errorName[0]!.toUpperCase() + errorName.slice(1) : field.label.replace(/\s*\(optional\)/i, ''));
        for (const w of checkMessage(p.label, subject, p.message)) failures.push(`${name} ${p.key} (${p.probe}): "${p.message}" ${w}`);
      }
      // Rendered: every message of one bad submission appears inline and in the summary, linked to its input.
      const bad = Object.fromEntries(fields(schema).map((f) => [f.key, f.type === 'number' ? 'twelve' : '']));
      const { errors } = validateAnswers(schema, bad);
      const page = html`${renderErrorSummary(errors)}${renderFormFields(schema, bad, errors)}`.value;
      for (const e of errors) {
        const shown = escapeHtml(e.message);
        assert.ok(page.includes(`<a href="#${e.anchor}">${shown}</a>`), `${name}: summary links "${e.message}" to #${e.anchor}`);
        assert.ok(page.includes(`<span class="govuk-visually-hidden">Error:</span> ${shown}</p>`), `${name}: "${e.message}" shown by its field`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(count >= 80, `${count} messages checked`);
  });

  it('the checks catch labels pasted into sentences (the wording this replaced)', () => {
    assert.ok(checkMessage('Describe the work', undefined, 'Enter describe the work').length > 0);
    assert.ok(checkMessage('Are you the owner of the land or building?', undefined, 'Select are you the owner of the land or building?').length > 0);
    assert.ok(checkMessage('When do you plan to start?', undefined, 'When do you plan to start? must be a real date').length > 0);
    assert.ok(checkMessage('Phone number (optional)', 'Phone number', 'Phone number (optional) must be 20 characters or less').length > 0);
    assert.deepEqual(checkMessage('Floor area in square metres', 'Floor area', 'Floor area must be a number'), []);
  });

  it('docs/portal.md lists every message, as `npm run docs:error-messages` writes them', async () => {
    const doc = await readFile(new URL('docs/portal.md', root), 'utf8');
    const section = doc.slice(doc.indexOf('<!-- error-messages:start -->'), doc.indexOf('<!-- error-messages:end -->'));
    const listed = [...section.matchAll(/^\| ([\w-]+\/[\w-]+\.form) \| (.+?) \| (.+?) \| (.+) \|$/gm)].map((m) => `${m[1]}|${m[3]}|${m[4]!.replace(/\\\|/g, '|')}`);
    const expected = (await allForms()).flatMap(({ name, schema }) => probeFormErrors(schema).map((p) => `${name}|${p.probe}|${p.message}`));
    assert.deepEqual(listed, expected, 'run npm run docs:error-messages');
  });
});
