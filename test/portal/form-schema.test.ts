// Properties of the form-schema validator and renderer: whatever a browser sends and whatever a schema says, validation
// never throws and nothing typed or configured reaches a page unescaped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeProcessingTimes } from '../../src/catalogue/index.js';
import { answersToInput, html, parseFormSchema, renderErrorSummary, renderFormFields, validateAnswers, type FormSchema } from '../../src/web/index.js';

const TYPES = ['textfield', 'textarea', 'number', 'checkbox', 'checklist', 'radio', 'select', 'datetime'] as const;
const nasty = fc.oneof(fc.string(), fc.constantFrom('<script>alert(1)</script>', '"><script>x</script>', "'onmouseover='x", '</textarea><script>', '&lt;script&gt;', '\u0000', '١٢٣', '1e400', '-0', ' 12 '));

const component = fc.record({
  type: fc.constantFrom(...TYPES),
  key: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/),
  label: nasty.filter((s) => s.trim() !== ''),
  description: fc.option(nasty, { nil: undefined }),
  subtype: fc.constantFrom('date', 'time', 'datetime'),
  values: fc.array(fc.record({ label: nasty, value: nasty.filter((s) => s !== '') }), { minLength: 1, maxLength: 4 }),
  validate: fc.record({
    required: fc.boolean(), minLength: fc.nat(20), maxLength: fc.integer({ min: 0, max: 50 }), min: fc.integer({ min: -100, max: 100 }),
    max: fc.integer({ min: -100, max: 1000 }), pattern: fc.constantFrom('[a-z]+', '\\d{3}', '.*', '<script>'),
  }, { requiredKeys: [] }),
  properties: fc.record({ errorMessage: nasty, patternMessage: nasty, checkboxLabel: nasty, width: fc.constantFrom('2', '5', '" onfocus="x') }, { requiredKeys: [] }),
});

const schemaArb = fc.uniqueArray(component, { selector: (c) => c.key, minLength: 1, maxLength: 6 }).map((components) => {
  const { schema, problems } = parseFormSchema({ components });
  assert.deepEqual(problems, []);
  return schema!;
});

/** Raw input a hostile browser might send: the fields the form names (day/month/year/time too) plus others. */
function inputFor(schema: FormSchema) {
  const names = schema.components.flatMap((c) => (c.type === 'text' ? [] : [c.key, `${c.key}-day`, `${c.key}-month`, `${c.key}-year`, `${c.key}-time`]));
  return fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string()), fc.oneof(nasty, fc.array(nasty, { maxLength: 3 }), fc.integer().map(String)));
}

const UNESCAPED = /<script|<\/textarea><|" onfocus=|' onmouseover=/i;

describe('form schemas: validation and rendering', () => {
  it('never throws on any input and never renders an unescaped script', () => {
    fc.assert(fc.property(schemaArb.chain((schema) => fc.tuple(fc.constant(schema), inputFor(schema))), ([schema, input]) => {
      const { values, errors } = validateAnswers(schema, input);
      for (const e of errors) assert.ok(schema.components.some((c) => c.type !== 'text' && c.key === e.key));
      const page = html`${renderErrorSummary(errors)}${renderFormFields(schema, input, errors)}${renderFormFields(schema, answersToInput(schema, values), [])}`.value;
      assert.doesNotMatch(page, UNESCAPED);
    }), { numRuns: 400 });
  });

  it('answers that validated once validate again after a round trip through the draft', () => {
    fc.assert(fc.property(schemaArb.chain((schema) => fc.tuple(fc.constant(schema), inputFor(schema))), ([schema, input]) => {
      const first = validateAnswers(schema, input);
      if (first.errors.length > 0) return;
      const again = validateAnswers(schema, answersToInput(schema, first.values));
      assert.deepEqual(again.errors, []);
      assert.deepEqual(again.values, first.values);
    }), { numRuns: 400 });
  });

  it('checks each rule with a message for the field', () => {
    const { schema } = parseFormSchema({ components: [
      { type: 'number', key: 'area', label: 'Floor area', validate: { required: true, min: 1, max: 10 } },
      { type: 'textfield', key: 'code', label: 'Postcode', validate: { pattern: '[A-Z]{2}\\d', minLength: 3, maxLength: 3 } },
      { type: 'datetime', subtype: 'date', key: 'start', label: 'Start date', validate: { required: true } },
      { type: 'select', key: 'kind', label: 'Kind', values: [{ label: 'A', value: 'a' }], validate: { required: true } },
      { type: 'checkbox', key: 'ok', label: 'Agreement', validate: { required: true } },
    ] });
    const messages = (input: Record<string, string>) => validateAnswers(schema!, input).errors.map((e) => `${e.anchor}: ${e.message}`);
    assert.deepEqual(messages({}), ['area: Enter the floor area', 'start-day: Enter the start date', 'kind: Select the kind', 'ok: Select to confirm the agreement']);
    assert.deepEqual(messages({ area: '11', code: 'ab1', 'start-day': '31', 'start-month': '2', 'start-year': '2027', kind: 'b', ok: 'true' }),
      ['area: Floor area must be between 1 and 10', 'code: Enter the postcode in the correct format', 'start-day: Start date must be a real date', 'kind: Select the kind']);
    assert.deepEqual(messages({ area: '0', code: 'AB12', 'start-day': '1', 'start-year': '2027', kind: 'a', ok: 'true' }),
      ['area: Floor area must be between 1 and 10', 'code: Postcode must be 3 characters or less', 'start-day: Start date must include a month']);
    assert.deepEqual(validateAnswers(schema!, { area: '2.5', code: 'AB1', 'start-day': '29', 'start-month': '2', 'start-year': '2028', kind: 'a', ok: 'true' }),
      { values: { area: 2.5, code: 'AB1', start: '2028-02-29', kind: 'a', ok: true }, errors: [] });
  });

  it('uses the wording the schema carries, and never pastes a question label', () => {
    const { schema } = parseFormSchema({ components: [
      { type: 'number', key: 'age', label: 'How old are you?', validate: { required: true, min: 18 } },
      { type: 'number', key: 'rooms', label: 'How many rooms are there?', validate: { required: true, min: 1 }, properties: { errorName: 'the number of rooms' } },
      { type: 'textfield', key: 'pet', label: 'Pet name', validate: { maxLength: 3 }, properties: { errorMessageMax: 'Pet names are 3 letters at most' } },
    ] });
    const messages = (input: Record<string, string>) => validateAnswers(schema!, input).errors.map((e) => e.message);
    assert.deepEqual(messages({}), ['Enter your answer', 'Enter the number of rooms']);
    assert.deepEqual(messages({ age: '4', rooms: 'x', pet: 'Rexie' }), ['Your answer must be 18 or more', 'The number of rooms must be a number', 'Pet names are 3 letters at most']);
  });

  it('describes measured processing times only with enough cases', () => {
    const day = 86_400_000;
    assert.equal(describeProcessingTimes([day, 2 * day]), null);
    assert.equal(describeProcessingTimes([40 * day, 10 * day, 12 * day]), 'Recently, half of the applications got a decision within 12 days (the last 3 decided).');
    assert.equal(describeProcessingTimes([1000, 2000, 3000, 4000]), 'Recently, half of the applications got a decision within less than a day (the last 4 decided).');
  });

  it('escapes by default', () => {
    assert.equal(html`<p title="${'"x'}">${'<b>'}${html`<i>ok</i>`}${['&', null, undefined, false, 0]}</p>`.value, '<p title="&quot;x">&lt;b&gt;<i>ok</i>&amp;0</p>');
  });
});
