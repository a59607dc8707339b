import type { FastifyInstance, FastifyReply } from 'fastify';
import { evaluateDecision, parseDmn, type DecisionResult } from '../decisions/index.js';
import { deployedSource, MAX_BPMN_BYTES } from '../engine/index.js';
import { t } from '../i18n/index.js';
import { isGovflowError } from '../kernel/index.js';
import { html, PageError, PARAM, paramsSchema, renderErrorSummary, type SafeHtml } from '../web/index.js';
import { deploymentProblems, xmlSourceGroup, KEY, str, type AdminContext, type AdminSession, type Body } from './admin-context.js';
import { sameDecisionModel } from './model-compare.js';

/**
 * Serves the decision-table editor (`/admin/decision-editor/:key`, dmn-js): fees and rules are changed in the browser and
 * saved as a new decision version (the same checks as an upload; saving an unchanged table deploys nothing and
 * says so). Its test panel evaluates the table being edited with the decisions module, on the server, showing the
 * output and the rules that matched.
 */

/** The names a tester fills in: the model's input data, and decision-table inputs that are plain names. */
export function decisionInputNames(xml: string): string[] {
  const names = new Set<string>();
  for (const m of xml.matchAll(/<(?:[\w-]+:)?inputData\b[^>]*\bname="([^"]+)"/g)) names.add(m[1]!);
  for (const m of xml.matchAll(/<(?:[\w-]+:)?inputExpression\b[^>]*>\s*<(?:[\w-]+:)?text>\s*([A-Za-z_][\w]*)\s*<\/(?:[\w-]+:)?text>/g)) names.add(m[1]!);
  return [...names].filter((n) => /^[A-Za-z_][\w]{0,99}$/.test(n)).slice(0, 30);
}

/** A typed value: JSON when it reads as JSON (numbers, true/false, lists, quoted text), otherwise the text. */
function inputValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return trimmed;
  }
}

interface Evaluation { readonly values: Record<string, string>; readonly result?: DecisionResult; readonly problem?: string }

export function registerDecisionRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post, csrfField } = ctx;
  const { db, engine } = ctx.options;

  async function latestDecision(key: string): Promise<{ version: number; xml: string }> {
    const found = KEY.test(key) ? await deployedSource(db, 'decision', key) : null;
    if (!found) throw new PageError(404, t('admin.common.notFound'), t('admin.decision.noSuchDecision'));
    return found;
  }

  function resultPanel(key: string, evaluation: Evaluation): SafeHtml {
    if (evaluation.problem) return html`<div class="govuk-inset-text" id="evaluation-result" role="status">${evaluation.problem}</div>`;
    const result = evaluation.result;
    if (!result) return html``;
    const trace = result.explanation.find((e) => e.decisionId === key) ?? result.explanation.at(-1);
    const matched = trace?.matchedRules ?? [];
    return html`<div id="evaluation-result" role="status"><h3 class="govuk-heading-s">${t('admin.decision.result')}</h3>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.decision.output')}</dt><dd class="govuk-summary-list__value"><code id="evaluation-output">${JSON.stringify(result.value)}</code></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.decision.matched')}</dt><dd class="govuk-summary-list__value" id="evaluation-rules">${matched.length === 0 ? t('admin.common.none') : matched.map((r) => (r.id ? t('admin.decision.ruleWithId', { index: r.index, id: r.id }) : t('admin.decision.rule', { index: r.index }))).join(', ')}</dd></div>
${result.warnings.length > 0 ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.decision.warnings')}</dt><dd class="govuk-summary-list__value">${result.warnings.join('; ')}</dd></div>` : ''}</dl></div>`;
  }

  function editorPage(reply: FastifyReply, admin: AdminSession, key: string, version: number, xml: string, extra: { problems?: string[]; notice?: string; evaluation?: Evaluation; status?: number } = {}): FastifyReply {
    const problems = extra.problems ?? [];
    const names = decisionInputNames(xml);
    const values = extra.evaluation?.values ?? {};
    const action = `/admin/decision-editor/${encodeURIComponent(key)}`;
    return send(reply, admin, t('admin.decision.title', { key }), html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'xml', anchor: 'xml', message }))) : ''}${extra.notice ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">${t('common.important')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="no-changes">${extra.notice}</p></div></div>` : ''}
<span class="govuk-caption-l">${t('admin.decision.caption')}</span>
<h1 class="govuk-heading-l">${key}</h1>
<p class="govuk-body">${t('admin.decision.editing', { version: String(version) })}</p>
<p class="govuk-body" id="decision-editor-status" role="status">${t('admin.common.withoutScriptXml')}</p>
<div id="decision-editor" class="govflow-decision-editor" hidden></div>
<form method="post" action="${action}" id="decision-form" class="govflow-editor-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-version" value="${version}">
${xmlSourceGroup(t('admin.decision.xml'), t('admin.decision.notDeployed'), problems, xml)}
<button type="submit" class="govuk-button govuk-!-margin-top-4" data-module="govuk-button">${t('admin.common.saveAndDeploy')}</button>
</form>
<h2 class="govuk-heading-m" id="test">${t('admin.decision.test')}</h2>
<p class="govuk-body">${t('admin.decision.testIntro')}</p>
<form method="post" action="${action}/evaluate#test" id="evaluate-form" class="govflow-editor-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="xml" value="${xml}">
${names.map((n) => html`<div class="govuk-form-group"><label class="govuk-label" for="in-${n}">${n}</label><input class="govuk-input govuk-input--width-20" id="in-${n}" name="in-${n}" type="text" value="${values[n] ?? ''}" spellcheck="false"></div>`)}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('admin.decision.evaluate')}</button>
</form>
${extra.evaluation ? resultPanel(key, extra.evaluation) : ''}`, {
      current: 'processes', status: extra.status ?? 200, hasErrors: problems.length > 0, backLink: '/admin/processes',
      editor: {
        scripts: ['/admin/assets/dmn-js/dmn-modeler.js', '/admin/assets/decision-editor.js'],
        stylesheets: ['diagram-js.css', 'dmn-js-shared.css', 'dmn-js-drd.css', 'dmn-js-decision-table.css', 'dmn-js-decision-table-controls.css', 'dmn-js-literal-expression.css', 'dmn-js-boxed-expression.css', 'dmn-js-boxed-expression-controls.css', 'dmn-font/css/dmn.css'].map((f) => `/admin/assets/dmn-js/${f}`),
      },
    });
  }

  server.get<{ Params: { key: string } }>('/admin/decision-editor/:key', { schema: paramsSchema({ key: PARAM.key }) }, async (request, reply) => {
    const latest = await latestDecision(request.params.key);
    return editorPage(reply, adminOf(request), request.params.key, latest.version, latest.xml);
  });

  server.post<{ Params: { key: string } }>('/admin/decision-editor/:key', { schema: paramsSchema({ key: PARAM.key }) }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const key = request.params.key;
    const latest = await latestDecision(key);
    const xml = str(body, 'xml');
    const page = (problems: string[], status: number): FastifyReply => editorPage(reply, admin, key, latest.version, xml, { problems, status });
    const base = str(body, 'base-version');
    if (base !== '' && base !== String(latest.version)) return page([t('admin.decision.conflict', { version: String(latest.version), key })], 409);
    if (xml.trim() === '') return page([t('admin.decision.enterXml')], 400);
    if (Buffer.byteLength(xml) > MAX_BPMN_BYTES) return page([t('admin.decision.tooLarge', { mb: MAX_BPMN_BYTES / 1024 / 1024 })], 413);
    const name = `${key}.dmn`;
    try {
      if (!parseDmn(xml, name).decisions.some((d) => d.id === key)) return page([t('admin.decision.mustKeep', { file: name, key })], 422);
    } catch (error) {
      if (isGovflowError(error) && error.kind === 'user') return page(deploymentProblems(error, name), error.status);
      throw error;
    }
    if (sameDecisionModel(latest.xml, xml)) return editorPage(reply, admin, key, latest.version, xml, { notice: t('admin.decision.noChanges', { version: String(latest.version) }) });
    try {
      const result = await engine.deploy([{ name, content: xml }], { name: `admin: ${name}`, actor });
      return reply.redirect(`/admin/processes?deployment=${result.deploymentId}`, 303);
    } catch (error) {
      if (isGovflowError(error) && error.kind === 'user') return page(deploymentProblems(error, name), error.status);
      throw error;
    }
  });

  server.post<{ Params: { key: string } }>('/admin/decision-editor/:key/evaluate', { schema: paramsSchema({ key: PARAM.key }) }, async (request, reply) => {
    const { admin, body } = await post(request);
    const key = request.params.key;
    const latest = await latestDecision(key);
    const xml = str(body, 'xml') || latest.xml;
    const values = Object.fromEntries(decisionInputNames(xml).map((n) => [n, str(body as Body, `in-${n}`)]));
    let evaluation: Evaluation;
    try {
      const model = parseDmn(xml, `${key}.dmn`);
      const context = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, inputValue(v)]));
      evaluation = { values, result: evaluateDecision(model, key, context) };
    } catch (error) {
      if (!(isGovflowError(error) && error.kind === 'user')) throw error;
      evaluation = { values, problem: t('admin.decision.cannotEvaluate', { problems: deploymentProblems(error, `${key}.dmn`).join('; ') }) };
    }
    return editorPage(reply, admin, key, latest.version, xml, { evaluation });
  });
}
