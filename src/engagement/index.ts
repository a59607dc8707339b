/**
 * Citizen engagement (issue 18); its plugin serves problem reports from the citizen page and from Open311 GeoReport v2 clients
 * (FixMyStreet's updates extension included), each a problem-report case on the engine. docs/engagement.md.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/index.js';
import type { Logger } from '../kernel/index.js';
import type { Engagement, Open311KeyCheck } from './engagement.js';
import { registerOpen311 } from './open311-routes.js';
import type { Complaints } from './complaints.js';
import { registerFeedbackPages } from './feedback-pages.js';
import { registerReportPages } from './report-page.js';
import { registerTriagePage } from './triage-page.js';

export { COMPLAINT_PROCESS, createComplaints } from './complaints.js';
export type { Complaints, EngagementSubjects, NewComplaint, SealContact } from './complaints.js';
export { engagementFigures, RATINGS } from './feedback-store.js';
export type { ComplaintView, EngagementFigures } from './feedback-store.js';
export { DEFAULT_CATEGORIES } from './categories.js';
export type { AttributeType, CategoryAttribute, ProblemCategory } from './categories.js';
export { createEngagement, PROBLEM_REPORT_PROCESS } from './engagement.js';
export type { Engagement, EngagementOptions, NewReportInput, Open311KeyCheck } from './engagement.js';
export { render as renderOpen311 } from './open311-format.js';
export { attributesOf, MAX_PAGE_SIZE, MAX_WINDOW_DAYS, Open311Failure, parseResourcePath, parseServiceRequest, parseUpdate, parseW3cDate, windowOf } from './open311-params.js';
export type { Format, Open311Error, ParsedServiceRequest } from './open311-params.js';
export { OPEN311_PREFIX } from './open311-routes.js';
export { mayMerge } from './report-merge.js';
export type { Merger } from './report-merge.js';
export { getReport, listReports, nearbyOpenReports, seedBenchReports } from './report-store.js';
export { createParticipation, DEFAULT_TOPICS, MAX_POSTS, PROPOSAL_ANSWER_PROCESS, RATE_WINDOW_MS } from './proposals.js';
export type { Participation, ParticipationOptions, Topic as ProposalTopic } from './proposals.js';
export { createParticipationPlugin } from './participation-plugin.js';
export { ANSWERS, getProposal, listProposals } from './proposals-store.js';
export type { Answer, ProposalState, ProposalView, SupportOutcome } from './proposals-store.js';
export { countProjectDebates, getComment, listComments, listProjectDebates } from './discussion-store.js';
export type { ProjectDirectory, ProjectRef } from './participation-kit.js';
export type { CommentView, DebateView, ModerationTarget } from './discussion-store.js';
export { renderMarkdown } from './discussion-markdown.js';
export type { ReportView, UpdateView } from './report-store.js';
export { createUpdates, EMAIL as SUBSCRIBER_EMAIL } from './updates.js';
export type { AddressVault, FeedEntry, Topic, Updates, UpdatesMail, UpdatesOptions } from './updates.js';
export type { NewsView, TopicKind } from './updates-store.js';
export { createUpdatesPlugin } from './updates-plugin.js';
export { mayPublish } from './updates-staff.js';
export { createTriage, createTriageModel } from './triage.js';
export type { Correction, Triage, TriageGuess, TriageModel } from './triage.js';
export { DEFAULT_TRIAGE_CORPUS, loadTriageCorpus, parseTriageCorpus, scoreTriage } from './triage-corpus.js';
export type { LabelledReport, TriageCorpus, TriageScore } from './triage-corpus.js';

/** The scope name an API key needs to post to Open311 (`govflow apikey create --scope open311`). */
export const OPEN311_SCOPE = 'open311';

/** The Fastify plugin of engagement's edges: the Open311 server and the citizen's report pages. */
export function createEngagementPlugin(options: { engagement: Engagement; engine: Engine; checkKey?: Open311KeyCheck; logger: Logger; contact?: string; complaints?: Complaints }): (server: FastifyInstance) => Promise<void> {
  const open311 = registerOpen311({ engagement: options.engagement, engine: options.engine, logger: options.logger, ...(options.checkKey ? { checkKey: options.checkKey } : {}), ...(options.contact ? { contact: options.contact } : {}) });
  const pages = registerReportPages({ engagement: options.engagement, logger: options.logger });
  const triage = registerTriagePage({ engagement: options.engagement, engine: options.engine, triage: options.engagement.triage, logger: options.logger });
  const feedback = options.complaints ? registerFeedbackPages({ engagement: options.engagement, complaints: options.complaints, logger: options.logger }) : null;
  return async (server) => {
    await open311(server);
    await pages(server);
    await triage(server);
    if (feedback) await feedback(server);
  };
}

/** Starts reports' (or complaints') cases that did not start (a crash between storing and starting), every `intervalMs`. */
export function startPendingReportsLoop(engagement: Pick<Engagement, 'startPending'>, intervalMs = 30_000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => engagement.startPending()).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return { async stop() {
    clearInterval(timer);
    await running;
  } };
}
