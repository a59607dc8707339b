// The pseudo-locale test (issue 21, acceptance 1) for the citizen pages the portal test server does not mount: the
// public check of a decision (/verify, its errors and its "not found"), the decision download's refusal, and the
// citizen's payment return page. Rendered in the pseudo-language on the whole composed server; any visible word
// outside ⟦…⟧ did not go through the i18n layer and is listed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { enablePseudoLanguages, LANGUAGE_NAMES } from '../../src/i18n/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { seedAlexPermitCase } from '../support/seeded-case.js';
import { signInCitizen } from '../support/sign-in.js';
import { untranslated } from './pseudo-text.js';

let govflow: Govflow;
let running: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
let reference = '';
let alex = '';

before(async () => {
  enablePseudoLanguages(true);
  dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-pseudo-public-'));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  process.env['GOVFLOW_REGISTRY'] = 'off';
  govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
  running = await startServer(govflow, { background: false, rateLimits: 'off' });
  reference = (await seedAlexPermitCase(govflow))['reference']!;
  alex = `${await signInCitizen(running.url, 'demo-citizen-alex')}; govflow_lang=qps`;
});

after(async () => {
  enablePseudoLanguages(false);
  await running?.stop();
  await govflow?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('the decision check, a refused download and the payment return page in the pseudo-language: no word outside the layer', async () => {
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
  await visit('no decision document here', `/decisions/${code}.pdf`, 404);
  await visit('payment not found', `/applications/${reference}/payment/${'A'.repeat(43)}`, 404, alex);

  const data = ['Alex Demo', reference, code, '12', 'govflow demo municipality', 'govflow', 'Apache', ...Object.values(LANGUAGE_NAMES)];
  const findings = [...pages].flatMap(([name, body]) => untranslated(body, data).map((text) => `${name}: "${text}"`));
  assert.deepEqual(findings, [], `visible text that did not go through the i18n layer:\n${findings.join('\n')}`);
  for (const [name, body] of pages) assert.match(body, /<html lang="en" dir="ltr"/, `${name}: a pseudo-language is English underneath`);
});
