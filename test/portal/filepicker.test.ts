// The form-js `filepicker` component: schema parsing (accept / multiple / required), the GOV.UK file-upload markup,
// and `required` in answer validation. The multipart handling of question pages is not built yet (see the report).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseFormSchema, renderFormFields, validateAnswers } from '../../src/web/index.js';

const ext = fc.stringMatching(/^\.[a-z0-9]{1,5}$/);
const mime = fc.constantFrom('application/pdf', 'image/png', 'image/jpeg', 'image/*');
const acceptArb = fc.array(fc.oneof(ext, mime), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(','));

describe('filepicker schema', () => {
  it('accepts any list of extensions/media types and keeps accept and multiple', () => {
    fc.assert(fc.property(acceptArb, fc.boolean(), fc.boolean(), (accept, multiple, required) => {
      const { schema, problems } = parseFormSchema({ components: [{ type: 'filepicker', key: 'sitePlan', label: 'Site plan', accept, multiple, validate: { required } }] });
      assert.deepEqual(problems, []);
      const f = schema!.components[0]!;
      assert.equal(f.type, 'filepicker');
      if (f.type !== 'filepicker') return;
      assert.equal(f.accept, accept);
      assert.equal(f.multiple === true, multiple);
      assert.equal(f.validate.required === true, required);
    }));
  });

  it('refuses an accept value that is not a type list, naming the field, and never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('"><script>')), fc.anything(), (accept, multiple) => {
      const r = parseFormSchema({ components: [{ type: 'filepicker', key: 'f', label: 'File', accept, multiple }] });
      const acceptOk = typeof accept === 'string' && /^\s*(\.[A-Za-z0-9]{1,10}|[a-z]+\/[a-z0-9.+*-]{1,60})(\s*,\s*(\.[A-Za-z0-9]{1,10}|[a-z]+\/[a-z0-9.+*-]{1,60}))*\s*$/.test(accept);
      const multipleOk = multiple === undefined || typeof multiple === 'boolean';
      assert.equal(r.problems.some((p) => p.where === 'components[0].accept'), !acceptOk);
      assert.equal(r.problems.some((p) => p.where === 'components[0].multiple'), !multipleOk);
    }));
  });

  it('renders a GOV.UK file upload with the accepted types, size limit and the error next to the field', () => {
    const { schema } = parseFormSchema({ components: [{ type: 'filepicker', key: 'sitePlan', label: 'Site plan', accept: '.pdf,.png,.jpg', properties: { maxSize: '10 MB' }, validate: { required: true } }] });
    const { errors } = validateAnswers(schema!, {});
    assert.deepEqual(errors.map((e) => [e.key, e.anchor]), [['sitePlan', 'sitePlan']]);
    const page = String(renderFormFields(schema!, {}, errors));
    assert.match(page, /<input class="govuk-file-upload govuk-file-upload--error" id="sitePlan" name="sitePlan" type="file" accept=".pdf,.png,.jpg" aria-describedby="sitePlan-hint sitePlan-error">/);
    assert.match(page, /<div id="sitePlan-hint" class="govuk-hint">PDF, PNG, JPEG, up to 10 MB<\/div>/);
    assert.match(page, /id="sitePlan-error" class="govuk-error-message">.*Select the site plan/);
  });

  it('takes stored upload ids as the answer and only ids', () => {
    const { schema } = parseFormSchema({ components: [{ type: 'filepicker', key: 'docs', label: 'Documents', multiple: true, validate: { required: true } }] });
    fc.assert(fc.property(fc.array(fc.oneof(fc.nat().map(String), fc.string()), { maxLength: 5 }), (raw) => {
      const { values, errors } = validateAnswers(schema!, { docs: raw });
      const ids = raw.filter((x) => /^\d{1,15}$/.test(x)).map(Number);
      if (ids.length === 0) assert.equal(errors.length, 1);
      else assert.deepEqual(values['docs'], ids);
    }));
  });
});
