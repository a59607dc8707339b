// Letters for every name (issue 21, acceptance 3): a decision PDF for a Polish, a Russian and an Estonian name, in
// each of the four languages, read back by pdf.js (an independent extractor) holds each name exactly as written,
// and its own words are in the letter's language.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DECISION_TYPE_ID, renderDecisionPdf, type DecisionPayload } from '../../src/documents/index.js';
import { LANGUAGES, translate } from '../../src/i18n/index.js';
import { flowed, pdfText } from '../support/pdf-text.js';

const NAMES = ['Łukasz Żółć', 'Дмитрий Иванов', 'Jüri Õunapuu'];

// One letter per language (rendering costs): the addressee is one of the names, the reasons name all three.
const payload = (name: string): DecisionPayload => ({
  type: DECISION_TYPE_ID, issuer: { agency: 'demo-municipality', name: 'Ajuntament de Demostració' }, service: 'building-permit', reference: 'BP-2026-000042',
  decisionType: 'permit', outcome: 'approved', reasons: [`Η αίτηση πληροί τους όρους. Co-applicants: ${NAMES.join(', ')}.`], subject: { name }, issuedAt: '2026-12-06T10:00:00.000Z',
  details: {}, verificationCode: 'K7QX-M2PA-9F3D',
});

describe('decision letters print every name exactly', () => {
  for (const language of LANGUAGES) {
    it(`${language}: the names, a Greek sentence and the letter's own words round-trip through the PDF`, async () => {
      const name = NAMES[LANGUAGES.indexOf(language) % NAMES.length]!;
      const text = await pdfText(await renderDecisionPdf(payload(name), 'x.y.z', 'https://demo.example/verify/K7QX-M2PA-9F3D', language));
      const lines = text.split('\n');
      assert.ok(lines.includes(translate(language, 'letter.issuedTo', { name })), `${language}: "${name}" on its own line, as written:\n${text}`);
      assert.ok(flowed(text).includes(`Η αίτηση πληροί τους όρους. Co-applicants: ${NAMES.join(', ')}.`), `${language}: the Greek sentence and all three names exactly:\n${text}`);
      assert.ok(!text.includes('?'), `${language}: no character replaced by '?'`);
      assert.ok(lines.includes(translate(language, 'letter.title.permit')), `${language}: the title in the letter's language`);
      assert.ok(lines.includes('Ajuntament de Demostració'), 'the issuer with its accent');
    });
  }
});
