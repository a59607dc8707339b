import type { FastifyInstance, FastifyReply } from 'fastify';
import { compileBpmn, deployedSource, listDeployedDefinitions, MAX_BPMN_BYTES, type DeployedDefinition } from '../engine/index.js';
import { actorOf } from '../identity/index.js';
import { t } from '../i18n/index.js';
import { isGovflowError } from '../kernel/index.js';
import { formFiles, html, PageError, PARAM, paramsSchema, renderErrorSummary, type SafeHtml } from '../web/index.js';
import { readAdminAsset } from './admin-assets.js';
import { deploymentProblems, formatDate, KEY, str, xmlSourceGroup, type AdminContext, type AdminSession } from './admin-context.js';
import { withDiagram } from './auto-layout.js';
import { newProcessXml, sameProcess } from './model-compare.js';

/**
 * Serves the admin overview (`/admin`), the editors' files (`/admin/assets/*`), processes and decisions (the list,
 * deploying an uploaded BPMN/DMN file, each version's XML) and the BPMN modeller (`/admin/modeller/:key`).
 */


/** The pages and helpers of registerProcessRoutes's routes, apart so that no function grows past the size limit. */
function processPages(ctx: AdminContext) {
  const { send, csrfField, log } = ctx;
  const { engine, db } = ctx.options;

  async function processesPage(reply: FastifyReply, admin: AdminSession, problems: string[], status: number, deploymentId: number | null): Promise<FastifyReply> {
    const { processes, decisions } = await listDeployedDefinitions(db);
    let banner: SafeHtml | '' = '';
    if (deploymentId !== null) {
      const made = [...processes.filter((p) => p.deploymentId === deploymentId).map((p) => t('admin.processes.madeProcess', { key: p.key, version: String(p.version) })), ...decisions.filter((d) => d.deploymentId === deploymentId).map((d) => t('admin.processes.madeDecision', { key: d.key, version: String(d.version) }))];
      banner = html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="deployed-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="deployed-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${made.length > 0 ? t('admin.processes.deployed', { list: made.join(', ') }) : t('admin.processes.nothingNew')}</p></div></div>`;
    }
    const latest = (rows: DeployedDefinition[], key: string): number => Math.max(...rows.filter((r) => r.key === key).map((r) => Number(r.version)));
    const table = (rows: DeployedDefinition[], kind: 'processes' | 'decisions', caption: string): SafeHtml => rows.length === 0 ? html`<p class="govuk-body">${t('admin.processes.noneYet')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.common.key')}</th><th scope="col" class="govuk-table__header">${t('admin.processes.version')}</th><th scope="col" class="govuk-table__header">${t('admin.common.name')}</th><th scope="col" class="govuk-table__header">${t('admin.processes.deployedAt')}</th><th scope="col" class="govuk-table__header">${t('admin.processes.newCases')}</th></tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${r.key}</td><td class="govuk-table__cell"><a class="govuk-link" href="/admin/${kind}/${encodeURIComponent(r.key)}/${r.version}">${t('admin.common.version', { version: String(r.version) })}<span class="govuk-visually-hidden"> ${t('admin.processes.versionOf', { key: r.key })}</span></a></td><td class="govuk-table__cell">${r.name ?? ''}</td><td class="govuk-table__cell">${formatDate(r.deployedAt)}</td><td class="govuk-table__cell">${Number(r.version) === latest(rows, r.key) ? html`<strong class="govuk-tag govuk-tag--green">${kind === 'processes' ? t('admin.processes.startHere') : t('admin.processes.evaluated')}</strong>` : ''}</td></tr>`)}</tbody></table>`;
    const keys = [...new Set(processes.map((p) => p.key))];
    const decisionKeys = [...new Set(decisions.map((d) => d.key))];
    return send(reply, admin, t('admin.nav.processes'), html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'file', anchor: 'file', message }))) : ''}${banner}
<h1 class="govuk-heading-l">${t('admin.nav.processes')}</h1>
<p class="govuk-body">${t('admin.processes.intro')}</p>
${keys.length > 0 ? html`<h2 class="govuk-heading-m">${t('admin.processes.drawVersion')}</h2><ul class="govuk-list">${keys.map((k) => html`<li><a class="govuk-link" href="/admin/modeller/${encodeURIComponent(k)}">${t('admin.processes.openInModeller', { key: k })}</a></li>`)}</ul>` : ''}
${decisionKeys.length > 0 ? html`<h2 class="govuk-heading-m">${t('admin.processes.changeRules')}</h2><ul class="govuk-list">${decisionKeys.map((k) => html`<li><a class="govuk-link" href="/admin/decision-editor/${encodeURIComponent(k)}">${t('admin.processes.openInDecisionEditor', { key: k })}</a></li>`)}</ul>` : ''}
<h2 class="govuk-heading-m">${t('admin.processes.drawNew')}</h2>
<form method="get" action="/admin/modeller" novalidate><div class="govuk-form-group"><label class="govuk-label" for="new-key">${t('admin.processes.processId')}</label><div id="new-key-hint" class="govuk-hint">${t('admin.processes.processIdHint')}</div><input class="govuk-input govuk-input--width-20" id="new-key" name="key" type="text" spellcheck="false" aria-describedby="new-key-hint"></div><button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('admin.processes.openEmpty')}</button></form>
${table(processes, 'processes', t('admin.processes.processes'))}
${table(decisions, 'decisions', t('admin.processes.decisions'))}
<h2 class="govuk-heading-m">${t('admin.processes.deployFile')}</h2>
<form method="post" action="/admin/processes" enctype="multipart/form-data" novalidate>
${csrfField(admin)}
<div class="govuk-form-group${problems.length > 0 ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="file">${t('admin.processes.upload')}</label>
<div id="file-hint" class="govuk-hint">${t('admin.processes.uploadHint', { mb: MAX_BPMN_BYTES / 1024 / 1024 })}</div>
${problems.length > 0 ? html`<p id="file-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${t('admin.processes.notDeployed')}</p>` : ''}
<input class="govuk-file-upload${problems.length > 0 ? ' govuk-file-upload--error' : ''}" id="file" name="file" type="file" accept=".bpmn,.dmn" aria-describedby="file-hint${problems.length > 0 ? ' file-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.processes.deploy')}</button>
</form>`, { current: 'processes', status, hasErrors: problems.length > 0 });
  }

  /** Deploys, or says why not: a user error (the model) becomes the problems to show; anything else is thrown. */
  async function tryDeploy(resources: { name: string; content: string }[], actor: string): Promise<{ deploymentId: number } | { problems: string[]; status: number }> {
    try {
      const result = await engine.deploy(resources, { name: `admin: ${resources.map((r) => r.name).join(', ')}`, actor });
      return { deploymentId: result.deploymentId };
    } catch (error) {
      if (isGovflowError(error) && error.kind === 'user') return { problems: deploymentProblems(error, resources[0]?.name ?? 'file'), status: error.status };
      throw error;
    }
  }

  const xmlOf = (kind: 'processes' | 'decisions', key: string, version: number) => deployedSource(db, kind === 'processes' ? 'process' : 'decision', key, version);

  function modellerPage(reply: FastifyReply, admin: AdminSession, key: string, latestVersion: number, xml: string, problems: string[], status = 200, notice = ''): FastifyReply {
    return send(reply, admin, t('admin.modeller.title', { key }), html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'xml', anchor: 'xml', message }))) : ''}${notice ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">${t('common.important')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="no-changes">${notice}</p></div></div>` : ''}
<span class="govuk-caption-l">${t('admin.modeller.caption')}</span>
<h1 class="govuk-heading-l">${key}</h1>
<p class="govuk-body">${latestVersion === 0 ? t('admin.modeller.newProcess') : t('admin.modeller.editing', { version: String(latestVersion) })} ${t('admin.modeller.properties')}</p>
<p class="govuk-body" id="modeller-status" role="status">${t('admin.common.withoutScriptXml')}</p>
<div class="govflow-modeller-layout"><div id="modeller-canvas" class="govflow-modeller" hidden></div><div id="modeller-properties" class="govflow-properties" hidden></div></div>
<form method="post" action="/admin/modeller/${encodeURIComponent(key)}" id="modeller-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-version" value="${latestVersion}">
${xmlSourceGroup(t('admin.modeller.xml'), t('admin.modeller.notDeployed'), problems, xml)}
<button type="submit" class="govuk-button govuk-!-margin-top-4" data-module="govuk-button">${t('admin.common.saveAndDeploy')}</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/admin/processes">${t('admin.modeller.uploadInstead')}</a></p>`, {
      current: 'processes', status, hasErrors: problems.length > 0,
      editor: {
        scripts: ['/admin/assets/bpmn-js/bpmn-modeler.js', '/admin/assets/bpmn-js-properties-panel/properties-panel.js', '/admin/assets/zeebe-moddle.js', '/admin/assets/modeller.js'],
        stylesheets: ['/admin/assets/bpmn-js/diagram-js.css', '/admin/assets/bpmn-js/bpmn-js.css', '/admin/assets/bpmn-js/bpmn-font/css/bpmn.css', '/admin/assets/bpmn-js-properties-panel/properties-panel.css'],
      },
    });
  }

  /** The latest version of a process; with `orNew`, version 0 (an empty diagram) for a key not deployed yet. */
  async function latestProcess(key: string, orNew = false): Promise<{ version: number; xml: string }> {
    const found = KEY.test(key) ? await deployedSource(db, 'process', key) : null;
    if (found) return { version: found.version, xml: found.xml };
    if (orNew && KEY.test(key)) return { version: 0, xml: newProcessXml(key) };
    throw new PageError(404, t('admin.common.notFound'), t('admin.modeller.noSuchProcess'));
  }

  /** The XML with a diagram for bpmn-js (see auto-layout.ts); when layout fails, the page falls back to the XML. */
  const withLayout = (xml: string): Promise<string> => withDiagram(xml).catch((error: unknown) => {
    log.warn({ err: error }, 'automatic layout failed; the modeller shows the XML');
    return xml;
  });

  return { processesPage, tryDeploy, xmlOf, modellerPage, latestProcess, withLayout };
}

export function registerProcessRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post } = ctx;
  const { processesPage, tryDeploy, xmlOf, modellerPage, latestProcess, withLayout } = processPages(ctx);

  // ------------------------------------------------------------------ overview and assets

  server.get('/admin', async (request, reply) => {
    const admin = adminOf(request);
    return send(reply, admin, t('admin.section'), html`<h1 class="govuk-heading-l">${t('admin.section')}</h1>
<ul class="govuk-list">
<li><a class="govuk-link" href="/admin/processes">${t('admin.nav.processes')}</a>${t('admin.overview.processes')}</li>
<li><a class="govuk-link" href="/admin/services">${t('admin.nav.services')}</a>${t('admin.overview.services')}</li>
<li><a class="govuk-link" href="/admin/organisation">${t('admin.nav.organisation')}</a>${t('admin.overview.organisation')}</li>
</ul>`, { current: 'overview' });
  });

  server.get<{ Params: { '*': string } }>('/admin/assets/*', async (request, reply) => {
    const asset = await readAdminAsset(request.params['*']);
    if (!asset) throw new PageError(404, t('admin.common.notFound'), t('error.noSuchFile'));
    return reply.type(asset.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(asset.content);
  });

  // ------------------------------------------------------------------ processes and decisions


  server.get<{ Querystring: { deployment?: string } }>('/admin/processes', async (request, reply) => {
    const deployment = Number(request.query.deployment);
    return processesPage(reply, adminOf(request), [], 200, Number.isSafeInteger(deployment) && deployment > 0 ? deployment : null);
  });

  // The upload is multipart: the admin page edge reads it before the handler (and the CSRF hook), files in formFiles.
  server.post('/admin/processes', async (request, reply) => {
    const admin = adminOf(request);
    if (!request.isMultipart()) throw new PageError(415, t('admin.processes.multipartTitle'), t('admin.processes.multipartText'));
    const chosen = formFiles(request).find((f) => f.filename !== '' || f.bytes.length > 0);
    const file = chosen ? { name: chosen.filename, bytes: chosen.bytes, truncated: chosen.truncated } : null;
    const refuse = (message: string, status: number): Promise<FastifyReply> => processesPage(reply, admin, [message], status, null);
    if (file?.truncated) return refuse(t('admin.processes.tooLarge', { mb: MAX_BPMN_BYTES / 1024 / 1024 }), 413);
    if (!file) return refuse(t('admin.processes.selectFile'), 400);
    if (file.bytes.length === 0) return refuse(t('admin.processes.empty'), 400);
    const name = file.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
    if (!/\.(bpmn|dmn)$/i.test(name)) return refuse(t('admin.processes.wrongType'), 415);
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
    } catch {
      return refuse(t('admin.processes.notUtf8'), 415);
    }
    const outcome = await tryDeploy([{ name, content }], actorOf(admin.principal));
    if ('problems' in outcome) return processesPage(reply, admin, outcome.problems, outcome.status, null);
    return reply.redirect(`/admin/processes?deployment=${outcome.deploymentId}`, 303);
  });

  for (const kind of ['processes', 'decisions'] as const) {
    server.get<{ Params: { key: string; version: string } }>(`/admin/${kind}/:key/:version`, { schema: paramsSchema({ key: PARAM.key, version: PARAM.id }) }, async (request, reply) => {
      const admin = adminOf(request);
      const version = Number(request.params.version);
      const found = KEY.test(request.params.key) && Number.isSafeInteger(version) && version > 0 ? await xmlOf(kind, request.params.key, version) : null;
      if (!found) throw new PageError(404, t('admin.common.notFound'), kind === 'processes' ? t('admin.version.noSuchProcess') : t('admin.version.noSuchDecision'));
      const title = t('admin.version.title', { key: request.params.key, version: String(version) });
      const caption = kind === 'processes' ? t('admin.version.process') : t('admin.version.decision');
      return send(reply, admin, title, html`<span class="govuk-caption-l">${found.name ? t('admin.version.captionNamed', { kind: caption, name: found.name }) : caption}</span>
<h1 class="govuk-heading-l">${title}</h1>
<p class="govuk-body">${t('admin.version.deployedFrom', { resource: found.resource })}${kind === 'processes' ? html` <a class="govuk-link" href="/admin/modeller/${encodeURIComponent(request.params.key)}">${t('admin.version.openModeller')}</a>.` : html` <a class="govuk-link" href="/admin/decision-editor/${encodeURIComponent(request.params.key)}">${t('admin.version.openDecisionEditor')}</a>.`}</p>
<h2 class="govuk-heading-m">${t('admin.version.xml')}</h2>
<pre class="govflow-xml" tabindex="0" aria-label="${t('admin.version.xmlOf', { title })}">${found.xml}</pre>`, { current: 'processes', backLink: '/admin/processes' });
    });
  }

  // ------------------------------------------------------------------ modeller

  server.get<{ Params: { key: string }; Querystring: { new?: string } }>('/admin/modeller/:key', { schema: paramsSchema({ key: PARAM.key }) }, async (request, reply) => {
    const admin = adminOf(request);
    const latest = await latestProcess(request.params.key, request.query.new !== undefined);
    return modellerPage(reply, admin, request.params.key, latest.version, await withLayout(latest.xml), []);
  });

  // The "draw a new process" form (a GET form cannot put its field into the path).
  server.get<{ Querystring: { key?: string } }>('/admin/modeller', async (request, reply) => {
    adminOf(request);
    const key = (request.query.key ?? '').trim();
    if (!KEY.test(key)) throw new PageError(400, t('admin.modeller.enterIdTitle'), t('admin.modeller.enterIdText'));
    return reply.redirect(`/admin/modeller/${encodeURIComponent(key)}?new`, 303);
  });

  server.post<{ Params: { key: string } }>('/admin/modeller/:key', { schema: paramsSchema({ key: PARAM.key }) }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const key = request.params.key;
    const base = str(body, 'base-version');
    const latest = await latestProcess(key, base === '0');
    const xml = str(body, 'xml');
    // Two admins editing the same process: the later save must not silently replace the version the other one just
    // deployed. The page carries the version it was opened on; the form comes back with the admin's model kept.
    if (base !== '' && base !== String(latest.version)) {
      return modellerPage(reply, admin, key, latest.version, xml, [t('admin.modeller.conflict', { version: String(latest.version), key })], 409);
    }
    if (xml.trim() === '') return modellerPage(reply, admin, key, latest.version, xml, [t('admin.modeller.enterXml')], 400);
    if (Buffer.byteLength(xml) > MAX_BPMN_BYTES) return modellerPage(reply, admin, key, latest.version, xml, [t('admin.modeller.tooLarge', { mb: MAX_BPMN_BYTES / 1024 / 1024 })], 413);
    const name = `${key}.bpmn`;
    // The page saves a new version of this process: a model that no longer contains it would deploy something else.
    try {
      const compiled = await compileBpmn(xml, name);
      if (!compiled.processes.some((p) => p.id === key)) return modellerPage(reply, admin, key, latest.version, xml, [t('admin.modeller.mustKeep', { file: name, key })], 422);
      // Saving what is deployed (the layout or the XML's formatting may differ) makes no new version, and says so.
      if (latest.version > 0 && await sameProcess(latest.xml, xml, key)) {
        return modellerPage(reply, admin, key, latest.version, xml, [], 200, t('admin.modeller.noChanges', { version: String(latest.version) }));
      }
    } catch (error) {
      if (isGovflowError(error) && error.kind === 'user') return modellerPage(reply, admin, key, latest.version, xml, deploymentProblems(error, name), error.status);
      throw error;
    }
    const outcome = await tryDeploy([{ name, content: xml }], actor);
    if ('problems' in outcome) return modellerPage(reply, admin, key, latest.version, xml, outcome.problems, outcome.status);
    return reply.redirect(`/admin/processes?deployment=${outcome.deploymentId}`, 303);
  });
}
