import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine/index.js';
import type { Exchange } from '../exchange/index.js';
import type { Logger } from '../kernel/index.js';

/**
 * The demo pair (issue 25, docs/exchange.md): the city (`npm start`) and the regional fire service
 * (`govflow serve --demo fire-service`), two processes on loopback, each with its own database and member key.
 * They find each other through a shared directory that stands in for X-Road's global configuration: each member
 * writes its address and certificate there, and every member reads the others' entries again every few seconds (as
 * a security server downloads the global configuration), trusting what it finds. Only the demo does this; a real
 * deployment trusts a peer when an administrator adds it at /admin/exchange.
 *
 * What each side sets up once (an administrator may change it afterwards; a restart does not undo that):
 * - the fire service deploys its own review process, publishes it as `fire-review` and grants the city access;
 * - the city publishes `review-answer` (a message to the waiting building-permit case) and grants the fire service
 *   access, and once the fire service has joined it deploys a version of the building permit whose fire-safety review
 *   is a request to the fire service instead of a task in the city's workbench.
 */
export const DEMO_CITY_MEMBER = 'DEMO/GOV/demo-municipality/govflow';
export const DEMO_FIRE_MEMBER = 'DEMO/GOV/regional-fire-service/reviews';
export type DemoRole = 'city' | 'fire-service';

const FIRE_SERVICE_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'fire-service');
/** The fire service's catalogue (GOVFLOW_SERVICES_DIR of its process): the review's task form and statuses. */
export const FIRE_SERVICE_CATALOGUE = path.join(FIRE_SERVICE_ROOT, 'services');
const BUILDING_PERMIT = path.join(FIRE_SERVICE_ROOT, '..', 'building-permit.bpmn');
const ACTOR = 'demo';
const memberOf = (subsystem: string): string => subsystem.split('/').slice(0, 3).join('/');

interface DirectoryEntry { readonly memberId: string; readonly endpoint: string; readonly certificate: string }

/**
 * The city's building permit with the fire-safety review asked of the fire service: the review task becomes an
 * `exchange-call` (the building work only, never the applicant's contact details) followed by a receive task of the
 * same id, so the case's statuses and SLA read as before, that the fire service's answer completes.
 */
export function buildingPermitViaExchange(bpmn: string): string {
  const task = /<bpmn:userTask id="fire-safety-review"[\s\S]*?<\/bpmn:userTask>/;
  const flow = '<bpmn:sequenceFlow id="s8" sourceRef="start-reviews" targetRef="fire-safety-review" />';
  const processStart = '<bpmn:process id="building-permit"';
  if (!task.test(bpmn) || !bpmn.includes(flow) || !bpmn.includes(processStart)) throw new Error('the building permit no longer has the fire-safety review task this demo replaces');
  const header = (key: string, value: string): string => `<zeebe:header key="${key}" value="${value}" />`;
  const ask = `<bpmn:serviceTask id="ask-fire-service" name="Ask the fire service for a fire-safety review">
        <bpmn:extensionElements>
          <zeebe:taskDefinition type="exchange-call" retries="5" />
          <zeebe:taskHeaders>${header('service', `${DEMO_FIRE_MEMBER}/fire-review`)}${header('purpose', 'fire-safety review of your building permit application')}${header('input', 'siteAddress,workType,floorArea,workDescription,features')}${header('issue', 'applicationId')}${header('data', 'building work')}${header('receiver', 'Regional Fire Service')}${header('output', 'fireServiceRequest')}</zeebe:taskHeaders>
        </bpmn:extensionElements>
      </bpmn:serviceTask>
      <bpmn:receiveTask id="fire-safety-review" name="Fire-safety review (by the fire service)" messageRef="msg-fire-review-answer" />
      <bpmn:sequenceFlow id="s8-fire-service" sourceRef="ask-fire-service" targetRef="fire-safety-review" />`;
  return bpmn
    .replace(task, ask)
    .replace(flow, flow.replace('targetRef="fire-safety-review"', 'targetRef="ask-fire-service"'))
    .replace(processStart, `<bpmn:message id="msg-fire-review-answer" name="fire-review-answer">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId" /></bpmn:extensionElements>
  </bpmn:message>
  ${processStart}`);
}

export interface DemoPairOptions {
  readonly directory: string;
  readonly role: DemoRole;
  readonly exchange: Exchange;
  readonly engine: Engine;
  readonly logger?: Logger;
  /** How often the others' entries are read again (ms). */
  readonly everyMs?: number;
}

/** Joins the demo pair: sets this side up, writes its entry, and trusts the others' entries now and every few seconds. */
export async function joinDemoPair(options: DemoPairOptions): Promise<{ sync(): Promise<void>; stop(): void }> {
  const { exchange, engine, directory } = options;
  const self = memberOf(exchange.client);
  const other = options.role === 'city' ? DEMO_FIRE_MEMBER : DEMO_CITY_MEMBER;
  const published = new Set((await exchange.listServices()).map((s) => s.serviceCode));
  const everGranted = new Set((await exchange.listAccess()).map((a) => `${a.serviceCode}|${a.clientId}`));
  const offer = async (service: { serviceCode: string; title: string; kind: string; target: string }): Promise<void> => {
    if (!published.has(service.serviceCode)) await exchange.publish(service, ACTOR);
    if (!everGranted.has(`${service.serviceCode}|${other}`)) await exchange.grant(service.serviceCode, other, ACTOR);
  };
  if (options.role === 'fire-service') {
    await engine.deploy([{ name: 'fire-review.bpmn', content: await readFile(path.join(FIRE_SERVICE_ROOT, 'fire-review.bpmn'), 'utf8') }], { name: 'demo fire service', actor: ACTOR });
    await offer({ serviceCode: 'fire-review', title: 'Fire-safety review of a building', kind: 'start-process', target: 'fire-review' });
  } else {
    await offer({ serviceCode: 'review-answer', title: 'Answer to a fire-safety review', kind: 'message', target: 'fire-review-answer' });
  }
  await mkdir(directory, { recursive: true });
  // Written whole then renamed, so the other process never reads half an entry.
  const file = path.join(directory, `${self.replaceAll('/', '_')}.json`);
  const entry: DirectoryEntry = { memberId: self, endpoint: exchange.endpointUrl, certificate: exchange.certificate };
  await writeFile(`${file}.tmp`, JSON.stringify(entry, null, 2));
  await rename(`${file}.tmp`, file);

  let permitDeployed = false;
  async function sync(): Promise<void> {
    const trusted = new Map((await exchange.listPeers()).map((p) => [p.memberId, p]));
    for (const name of (await readdir(directory)).filter((f) => f.endsWith('.json'))) {
      let found: DirectoryEntry;
      try {
        found = JSON.parse(await readFile(path.join(directory, name), 'utf8')) as DirectoryEntry;
      } catch {
        continue; // not (yet) an entry: read again next round
      }
      if (found.memberId === self || typeof found.endpoint !== 'string' || typeof found.certificate !== 'string') continue;
      const known = trusted.get(found.memberId);
      if (!known || known.baseUrl !== new URL(found.endpoint).origin || known.certificate !== found.certificate.trim()) {
        await exchange.addPeer({ memberId: found.memberId, baseUrl: found.endpoint, certificate: found.certificate }, ACTOR);
        options.logger?.info({ member: found.memberId, endpoint: found.endpoint }, 'demo pair: trusted another member');
      }
    }
    if (options.role === 'city' && !permitDeployed && (await exchange.listPeers()).some((p) => p.memberId === memberOf(DEMO_FIRE_MEMBER))) {
      const result = await engine.deploy([{ name: 'building-permit.bpmn', content: buildingPermitViaExchange(await readFile(BUILDING_PERMIT, 'utf8')) }], { name: 'demo pair: fire-safety review by the fire service', actor: ACTOR });
      permitDeployed = true;
      if (result.processes.some((p) => p.isNew)) options.logger?.info('demo pair: new building permits ask the fire service for the fire-safety review');
    }
  }
  await sync();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sync().catch((error: unknown) => options.logger?.warn({ err: error }, 'demo pair: reading the directory failed')).finally(() => { running = false; });
  }, options.everyMs ?? 2000);
  timer.unref();
  return { sync, stop: () => clearInterval(timer) };
}
