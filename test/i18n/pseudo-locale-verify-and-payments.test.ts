// The pseudo-locale test (issue 21, acceptance 1) for the citizen pages the portal test server does not mount: the
// public check of a decision (/verify, its errors and its "not found"), the decision download's refusal, and the
// citizen's payment return page. Rendered in the pseudo-language on the whole composed server; any visible word
// outside ⟦…⟧ did not go through the i18n layer and is listed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { enablePseudoLanguages, LANGUAGE_NAMES } from '../../src/i18n/index.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { eventually } from '../support/eventually.js';
import { seedAlexPermitCase } from '../support/seeded-case.js';
import { signInCitizen } from '../support/sign-in.js';
import { untranslated } from './pseudo-text.js';

// A decision issued by the real issue-decision job (the server's workers run it), for the "genuine" page.
const decided = bpmn('pseudo-decision', `<startEvent id="s"/>${job('issue', 'issue-decision')}${userTask('follow-up', '<zeebe:assignmentDefinition candidateGroups="planning"/>')}<endEvent id="e"/>`, 's -> issue; issue -> follow-up; follow-up -> e');

let server: DemoServer;
let running: DemoServer['running'];
let reference = '';
let alex = '';
let issued = '';

before(async () => {
  enablePseudoLanguages(true);
  process.env['GOVFLOW_REGISTRY'] = 'off';
  server = await startDemoServer('pseudo-public');
  ({ running } = server);
  const { govflow } = server;
  reference = (await seedAlexPermitCase(govflow))['reference']!;
  alex = `${await signInCitizen(running.url, 'demo-citizen-alex')}; govflow_lang=qps`;
  await govflow.engine.deploy([{ name: 'pseudo-decision.bpmn', content: decided }]);
  const caseId = (await govflow.engine.startInstance('pseudo-decision', { businessKey: 'PD-1', variables: { serviceId: 'building-permit', reference: 'PD-1', applicantName: 'Alex Demo', decision: 'approved', decisionType: 'permit', decisionReasons: 'meets the plan' } })).id;
  issued = await eventually('the decision is issued', async () => {
    const v = (await govflow.engine.getInstance(caseId)).variables as Record<string, unknown>;
    return typeof v['decisionCode'] === 'string' ? v['decisionCode'] : null;
  });
});

after(async () => {
  enablePseudoLanguages(false);
  await server?.stop();
});

it('the decision check (a genuine decision among them), a refused download and the payment return page in the pseudo-language: no word outside the layer', async () => {
  const pages = new Map<string, string>();
  const visit = async (name: string, url: string, status: number, cookie = 'govflow_lang=qps'): Promise<void> => {
    const response = await fetch(`${running.url}${url}`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(response.status, status, `${name}: ${response.status}`);
    pages.set(name, await response.text());
  };
  const code = 'K7QX-M2PA-9F3D';
  await visit('check a decision', '/verify', 200);
  await visit('check with no code', '/verify?code=', 400);
  await visit('check with a malformed code', '/verify?code=12', 400);
  await visit('no decision with this code', `/verify/${code}`, 404);
  await visit('a genuine decision', `/verify/${issued}`, 200);
  await visit('no decision document here', `/decisions/${code}.pdf`, 404);
  await visit('payment not found', `/applications/${reference}/payment/${'A'.repeat(43)}`, 404, alex);

  // Data: the signed decision's own content (its issuer and service name, signed in the case's language), codes, names.
  const data = ['Alex Demo', reference, code, issued, 'PD-1', 'Demo Municipality', 'Building permit', '12', 'govflow demo municipality', 'govflow', 'Apache', ...Object.values(LANGUAGE_NAMES)];
  const findings = [...pages].flatMap(([name, body]) => untranslated(body, data).map((text) => `${name}: "${text}"`));
  assert.deepEqual(findings, [], `visible text that did not go through the i18n layer:\n${findings.join('\n')}`);
  for (const [name, body] of pages) assert.match(body, /<html lang="en" dir="ltr"/, `${name}: a pseudo-language is English underneath`);
});
