import { randomBytes } from 'node:crypto';
import { Feed } from 'feed';
import { GovflowError } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { html, type SafeHtml } from '../web/index.js';
import { PROBLEM_REPORT_PROCESS, type Engagement } from './engagement.js';
import { listReports, listUpdates } from './report-store.js';
import * as store from './updates-store.js';
import type { NewsView, TopicKind } from './updates-store.js';

/** Something citizens can follow: a catalogue service, a department, a project (issue 18, "Updates to citizens"). */
export interface Topic {
  readonly kind: TopicKind;
  readonly id: string;
  readonly name: string;
  /** The identity department whose managers publish about it; null: only administrators do. */
  readonly department: string | null;
}

/** The outbox, as the composition root hands it over (engagement does not import notifications). */
export interface UpdatesMail {
  enqueue(tx: Queryable, message: { template: string; to: string; values: Record<string, string>; headers: Record<string, string>; idempotencyKey: string }): Promise<number>;
  /** Asks the sender to deliver now rather than at its next poll. */
  kick?(): void;
}

/** The vault, for the one piece of personal data here: a subscriber's e-mail address. */
export interface AddressVault {
  /** Seals the address under `subject`, in `tx`; returns its reference (`vault:pd1_…`), the only thing stored here. */
  seal(tx: Queryable, subject: string, address: string): Promise<string>;
  /** Erases every record of `subject` (on unsubscribe), in `tx`. */
  erase(tx: Queryable, subject: string): Promise<void>;
}

export interface UpdatesOptions {
  readonly db: Database;
  readonly engagement: Engagement;
  readonly topics: () => Promise<readonly Topic[]>;
  readonly mail: () => UpdatesMail | undefined;
  readonly vault: AddressVault;
  readonly agencyName: string;
}

/** One entry of a topic's feed: a news item, or a public status change of a problem report. */
export interface FeedEntry {
  /** Stable and unique (the Atom id, the RSS guid): a status change is a new entry, not an edit. */
  readonly id: string;
  readonly kind: 'news' | 'report';
  readonly title: string;
  readonly summary: string;
  /** The news body (plain text, paragraphs split by blank lines); empty for a report's status change. */
  readonly body: string;
  /** Site-relative link. */
  readonly href: string;
  readonly date: string;
  readonly author: string | null;
}

export const EMAIL = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** What FixMyStreet-style status codes mean to a reader of the feed. */
const STATUS_WORDS: Readonly<Record<string, string>> = {
  investigating: 'being looked at', duplicate: 'a duplicate of another report', not_councils_responsibility: 'not ours to fix',
  action_scheduled: 'work scheduled', fixed: 'fixed', closed: 'closed', open: 'open',
};

const FEED_SIZE = 20;

/** Paragraphs of plain text as escaped HTML (feed content and pages). */
export function paragraphs(text: string): SafeHtml {
  return html`${text.split(/\r?\n\s*\r?\n/).map((p) => p.trim()).filter((p) => p !== '').map((p) => html`<p class="govuk-body">${p}</p>\n`)}`;
}

export function createUpdates(options: UpdatesOptions) {
  const { db, engagement } = options;
  const base = engagement.publicUrl.replace(/\/$/, '');
  const topicPath = (t: { kind: TopicKind; id: string }): string => `/updates/${t.kind}/${t.id}`;
  const unsubscribeUrl = (token: string): string => `${base}/updates/unsubscribe/${token}`;
  // RFC 8058: the one-click POST goes to the HTTPS address in List-Unsubscribe (the GET of it shows a button).
  const listHeaders = (token: string): Record<string, string> => ({ 'List-Unsubscribe': `<${unsubscribeUrl(token)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

  async function topic(kind: string, id: string): Promise<Topic | null> {
    return (await options.topics()).find((t) => t.kind === kind && t.id === id) ?? null;
  }

  /** The problem categories whose reports' status changes appear in this topic's feed (null: every category). */
  function reportCodes(t: Topic): readonly string[] | null | 'none' {
    if (t.kind === 'service') return t.id === PROBLEM_REPORT_PROCESS ? null : 'none';
    if (t.kind === 'department') {
      const codes = engagement.categories.filter((c) => c.department === t.id).map((c) => c.code);
      return codes.length > 0 ? codes : 'none';
    }
    return 'none';
  }

  async function entries(t: Topic, limit = FEED_SIZE): Promise<FeedEntry[]> {
    const news = (await store.listNews(db, [t], limit)).map((n): FeedEntry => ({
      id: `${base}/updates/news/${n.id}`, kind: 'news', title: n.title, summary: n.summary, body: n.body, href: `/updates/news/${n.id}`, date: n.publishedAt, author: n.authorName,
    }));
    const codes = reportCodes(t);
    const reports = codes === 'none' ? [] : await listUpdates(db, {
      jurisdictionId: engagement.jurisdictions[0]!, from: new Date(0), to: new Date('9999-12-31T00:00:00Z'), limit, offset: 0, newestFirst: true, ...(codes ? { serviceCodes: codes } : {}),
    });
    const categoryOf = new Map(engagement.categories.map((c) => [c.code, c.name]));
    const reportIds = [...new Set(reports.map((u) => u.serviceRequestId))];
    const codeOf = new Map(reportIds.length === 0 ? [] : (await listReports(db, { jurisdictionId: engagement.jurisdictions[0]!, ids: reportIds, limit: reportIds.length, offset: 0 })).map((r) => [r.id, r.serviceCode]));
    const fromReports = reports.map((u): FeedEntry => ({
      id: `${base}/reports/${u.serviceRequestId}#update-${u.updateId}`, kind: 'report',
      title: `Report ${u.serviceRequestId} (${categoryOf.get(codeOf.get(u.serviceRequestId) ?? '') ?? 'problem report'}): ${STATUS_WORDS[u.status] ?? u.status.replace(/_/g, ' ')}`,
      summary: u.description !== '' ? u.description : `The report is ${STATUS_WORDS[u.status] ?? u.status.replace(/_/g, ' ')}.`, body: '',
      href: `/reports/${u.serviceRequestId}`, date: new Date(u.updatedAt).toISOString(), author: null,
    }));
    return [...news, ...fromReports].sort((a, b) => b.date.localeCompare(a.date) || b.id.localeCompare(a.id)).slice(0, limit);
  }

  return {
    topicPath,
    topics: options.topics,
    topic,
    entries,
    getNews: (id: number): Promise<NewsView | null> => store.getNews(db, id),
    /** The newest news across every topic (the /updates page). */
    latestNews: (limit: number): Promise<NewsView[]> => store.listNews(db, null, limit),

    /** The topic's feed as Atom 1.0 or RSS 2.0 (the `feed` package writes the XML). */
    async feedDocument(t: Topic, format: 'atom' | 'rss'): Promise<string> {
      const list = await entries(t);
      const link = `${base}${topicPath(t)}`;
      const feed = new Feed({
        title: `${t.name}: updates from ${options.agencyName}`, id: link, link, language: 'en', generator: 'govflow',
        description: `News about ${t.name} and the public status of problem reports, from ${options.agencyName}.`,
        updated: new Date(list[0]?.date ?? 0), copyright: options.agencyName, author: { name: options.agencyName, link: base },
        feedLinks: { atom: `${link}/atom.xml`, rss: `${link}/rss.xml` },
      });
      for (const e of list) {
        feed.addItem({
          title: e.title, id: e.id, link: `${base}${e.href}`, date: new Date(e.date), description: e.summary,
          ...(e.body !== '' ? { content: paragraphs(e.body).value } : {}), ...(e.author ? { author: [{ name: e.author }] } : {}),
        });
      }
      return format === 'atom' ? feed.atom1() : feed.rss2();
    },

    /**
     * Publishes a news item and queues one e-mail per confirmed subscriber of its topic, in one transaction: the
     * news and its e-mails exist together or not at all.
     */
    async publish(t: Topic, input: { title: string; summary: string; body: string }, author: { id: string; name: string }): Promise<NewsView> {
      const mail = options.mail();
      const news = await db.transaction(async (tx) => {
        const created = await store.insertNews(tx, { topicKind: t.kind, topicId: t.id, ...input, authorId: author.id, authorName: author.name });
        if (mail) {
          for (const s of await store.activeSubscriptions(tx, t.kind, t.id)) {
            await mail.enqueue(tx, {
              template: 'update-published', to: s.addressRef, headers: listHeaders(s.unsubscribeToken), idempotencyKey: `news:${created.id}:subscription:${s.id}`,
              values: { topicName: t.name, title: created.title, summary: created.summary, newsUrl: `${base}/updates/news/${created.id}`, unsubscribeUrl: unsubscribeUrl(s.unsubscribeToken) },
            });
          }
        }
        return created;
      });
      mail?.kick?.();
      return news;
    },

    /** Double opt-in, first half: the address goes to the vault, the subscription waits for the link in the e-mail. */
    async subscribe(t: Topic, address: string): Promise<void> {
      const mail = options.mail();
      if (!mail) throw new GovflowError('GOVFLOW_ERR_CONFLICT', 'e-mail is not configured on this server, so subscriptions are not possible');
      const confirmToken = randomBytes(24).toString('base64url');
      const unsubscribeToken = randomBytes(24).toString('base64url');
      const subject = `subscriber-${randomBytes(12).toString('hex')}`;
      await db.transaction(async (tx) => {
        const addressRef = await options.vault.seal(tx, subject, address);
        const id = await store.insertSubscription(tx, { topicKind: t.kind, topicId: t.id, addressRef, subject, confirmToken, unsubscribeToken });
        await mail.enqueue(tx, {
          template: 'update-subscription-confirm', to: addressRef, headers: listHeaders(unsubscribeToken), idempotencyKey: `subscription:${id}:confirm`,
          values: { topicName: t.name, confirmUrl: `${base}/updates/confirm/${confirmToken}`, unsubscribeUrl: unsubscribeUrl(unsubscribeToken) },
        });
      });
      mail.kick?.();
    },

    /** The subscription a confirmation link is for, with its topic (null: no such link). */
    async byConfirmToken(token: string): Promise<{ subscription: store.SubscriptionRow; topic: Topic | null } | null> {
      const s = await store.subscriptionByConfirmToken(db, token);
      return s ? { subscription: s, topic: await topic(s.topicKind, s.topicId) } : null;
    },

    async byUnsubscribeToken(token: string): Promise<{ subscription: store.SubscriptionRow; topic: Topic | null } | null> {
      const s = await store.subscriptionByUnsubscribeToken(db, token);
      return s ? { subscription: s, topic: await topic(s.topicKind, s.topicId) } : null;
    },

    /** Double opt-in, second half. */
    confirm: (id: number): Promise<boolean> => db.transaction((tx) => store.confirmSubscription(tx, id)),

    /** Ends the subscription and erases the address from the vault; idempotent. */
    async unsubscribe(id: number): Promise<void> {
      await db.transaction(async (tx) => {
        const subject = await store.endSubscription(tx, id);
        if (subject) await options.vault.erase(tx, subject);
      });
    },
  };
}

export type Updates = ReturnType<typeof createUpdates>;
