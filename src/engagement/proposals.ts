import type { Engine } from '../engine/index.js';
import { addDuration, createLogger, GovflowError, parseIsoDuration, type Logger } from '../kernel/index.js';
import { appendEvent, type Database } from '../store/index.js';
import * as talk from './discussion-store.js';
import * as store from './proposals-store.js';

/** The BPMN process a proposal starts when enough people support it (examples/proposal-answer.bpmn, services/proposal-answer). */
export const PROPOSAL_ANSWER_PROCESS = 'proposal-answer';

/** What proposals and debates are about, and the department that answers proposals of each topic. */
export interface Topic { readonly code: string; readonly name: string; readonly department: string }

export const DEFAULT_TOPICS: readonly Topic[] = [
  { code: 'streets', name: 'Streets, parks and transport', department: 'building-control' },
  { code: 'planning', name: 'Planning and housing', department: 'planning' },
  { code: 'events', name: 'Markets, events and licences', department: 'licensing' },
  { code: 'support', name: 'Benefits and support', department: 'benefits' },
];

/** A person may write this many proposals, debates and comments together in RATE_WINDOW_MS (besides the per-address limit). */
export const MAX_POSTS = 10;
export const RATE_WINDOW_MS = 10 * 60_000;

export interface ParticipationOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly topics?: readonly Topic[];
  /** Supports that start the answer process (CONSUL's and Decidim's threshold, configured per installation). */
  readonly threshold?: number;
  /** The answer's SLA from the catalogue (ISO 8601 duration): "must answer by" on the public page. */
  readonly answerSla?: string | null;
  readonly logger?: Logger;
}

/**
 * Proposals with supports and official answers, and the discussion around them (Decidim, CONSUL). Its state is
 * engagement's tables plus the answer case on the engine; the pages are adapters over this.
 */
export interface Participation {
  readonly db: Database;
  readonly topics: readonly Topic[];
  readonly threshold: number;
  propose(citizenId: string, p: { topic: string; title: string; body: string }): Promise<number>;
  /** One support per person: a second one is `already`; the support reaching the threshold starts the answer case. */
  support(proposalId: number, citizenId: string): Promise<store.SupportOutcome>;
  startDebate(citizenId: string, d: { topic: string; title: string; body: string }): Promise<number>;
  /**
   * Opens a debate about a project (its slug already checked against the project directory): by a citizen, as any
   * debate, or by staff for the municipality, which goes on the event log with the official as actor.
   */
  startProjectDebate(opener: talk.Author, d: { project: string; title: string; body: string }): Promise<number>;
  comment(c: { debateId: number; parentId: number | null; author: talk.Author; body: string }): Promise<number>;
  /** True when the person may post now (MAX_POSTS in RATE_WINDOW_MS). */
  mayPost(citizenId: string): Promise<boolean>;
  reportAbuse(r: { kind: talk.ModerationTarget; id: number; reporterId: string; reason: string }): Promise<void>;
  /** Hides or restores an item, with the moderator's reason recorded on the event log in the same transaction. */
  moderate(m: { action: 'hide' | 'restore'; kind: talk.ModerationTarget; id: number; reason: string; actor: string }): Promise<boolean>;
  answerDueBy(p: store.ProposalView): string | null;
  /** Starts the answer cases of proposals past their threshold whose start failed; returns how many. */
  startPending(limit?: number): Promise<number>;
}

export function createParticipation(options: ParticipationOptions): Participation {
  const { db, engine } = options;
  const topics = options.topics ?? DEFAULT_TOPICS;
  const threshold = options.threshold ?? 25;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 1_000_000) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `the proposal threshold (GOVFLOW_PROPOSAL_THRESHOLD) must be a whole number from 1 to 1000000, not '${String(threshold)}'`, [{ where: 'GOVFLOW_PROPOSAL_THRESHOLD', message: 'must be a whole number from 1 to 1000000' }]);
  }
  const log = options.logger ?? createLogger({ name: 'engagement' });
  const sla = options.answerSla ? parseIsoDuration(options.answerSla) : undefined;
  const topicOf = (code: string): Topic => {
    const t = topics.find((x) => x.code === code);
    if (!t) throw new Error(`unknown topic '${code}'`);
    return t;
  };

  const startAnswer = async (proposalId: number): Promise<void> => {
    const p = await store.getProposal(db, proposalId);
    if (!p || p.instanceId !== null) return;
    // What the department needs to answer; the proposer is named by their public name only.
    const instance = await engine.startInstance(PROPOSAL_ANSWER_PROCESS, {
      businessKey: `PP-${proposalId}`, actor: 'engagement',
      variables: { proposalId, title: p.title, summary: p.body.slice(0, 2000), topic: p.topic, department: p.department, supports: p.supports, proposer: p.author },
    });
    await store.setProposalInstance(db, proposalId, instance.id);
  };
  const tryStart = async (proposalId: number): Promise<boolean> => {
    try {
      await startAnswer(proposalId);
      return true;
    } catch (error) {
      log.warn({ err: (error as Error).message, proposalId }, 'the proposal reached its threshold; its answer case starts later');
      return false;
    }
  };

  return {
    db, topics, threshold,
    async propose(citizenId, p) {
      const topic = topicOf(p.topic);
      return db.transaction(async (tx) => {
        await store.ensureParticipant(tx, citizenId);
        const id = await store.insertProposal(tx, { citizenId, topic: topic.code, department: topic.department, title: p.title, body: p.body, threshold });
        await talk.insertDebate(tx, { topic: topic.code, proposalId: id, citizenId, title: p.title, body: '' });
        return id;
      });
    },
    async support(proposalId, citizenId) {
      const outcome = await db.transaction((tx) => store.addSupport(tx, proposalId, citizenId));
      // The claim is taken in the transaction; the start follows it (a failed start is retried by startPending).
      if (outcome.kind === 'supported' && outcome.claimed) await tryStart(proposalId);
      return outcome;
    },
    async startDebate(citizenId, d) {
      const topic = topicOf(d.topic);
      return db.transaction(async (tx) => {
        await store.ensureParticipant(tx, citizenId);
        return talk.insertDebate(tx, { topic: topic.code, proposalId: null, citizenId, title: d.title, body: d.body });
      });
    },
    async startProjectDebate(opener, d) {
      return db.transaction(async (tx) => {
        if (opener.kind === 'citizen') await store.ensureParticipant(tx, opener.citizenId);
        const id = await talk.insertDebate(tx, { topic: talk.projectTopic(d.project), proposalId: null, citizenId: opener.kind === 'citizen' ? opener.citizenId : null, title: d.title, body: d.body });
        if (opener.kind === 'staff') {
          await appendEvent(tx, { type: 'engagement.debate.opened', actor: `staff:${opener.staffId}`, data: { debate: id, project: d.project, department: opener.department, title: d.title } });
        }
        return id;
      });
    },
    async comment(c) {
      return db.transaction(async (tx) => {
        if (c.author.kind === 'citizen') await store.ensureParticipant(tx, c.author.citizenId);
        return talk.insertComment(tx, c);
      });
    },
    async mayPost(citizenId) {
      return (await talk.postsSince(db, citizenId, new Date(Date.now() - RATE_WINDOW_MS))) < MAX_POSTS;
    },
    async reportAbuse(r) {
      await talk.insertAbuseReport(db, r);
    },
    async moderate(m) {
      return db.transaction(async (tx) => {
        if (!(await talk.setHidden(tx, m.kind, m.id, m.action === 'hide' ? m.reason : null))) return false;
        await appendEvent(tx, { type: m.action === 'hide' ? 'engagement.moderation.hidden' : 'engagement.moderation.restored', actor: m.actor, data: { kind: m.kind, id: m.id, reason: m.reason } });
        return true;
      });
    },
    answerDueBy(p) {
      return sla && p.claimedAt && (p.state === 'awaiting-answer' || p.state === 'evaluating') ? addDuration(new Date(p.claimedAt), sla).toISOString().slice(0, 10) : null;
    },
    async startPending(limit = 20) {
      let started = 0;
      for (const id of await store.claimedWithoutCase(db, limit)) if (await tryStart(id)) started++;
      return started;
    },
  };
}
