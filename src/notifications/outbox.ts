import { GovflowError, type Logger } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import type { ActivatedJob, JobHandler } from '../engine/index.js';
import { TemplateStore } from './templates.js';
import type { Transport } from './transports.js';

export interface NotificationInput {
  readonly template: string;
  /** Pin a version; the newest when absent. */
  readonly version?: number;
  readonly to: string;
  readonly values: Record<string, unknown>;
  readonly instanceId?: number;
  /** Enqueue once per key (a retried job, a double submit). */
  readonly idempotencyKey?: string;
  /** Extra message headers, only the mailing-list ones (RFC 2369, RFC 8058): List-Unsubscribe, List-Unsubscribe-Post, List-Id. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type DeliveryStatus = 'queued' | 'sent' | 'failed';

export interface OutboxRow {
  readonly id: number;
  readonly template: string;
  readonly templateVersion: number;
  readonly recipient: string;
  readonly subject: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly providerMessageId: string | null;
  readonly instanceId: number | null;
}

/** A reference to an address sealed in the vault (`vault:pd1_…`, privacy's records): opened only when sending. */
const SEALED_ADDRESS = /^vault:pd1_[A-Za-z0-9_-]{24}$/;
const LIST_HEADERS = new Set(['List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Id']);

function checkHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    // Only list headers, never a line break: a header value that ends a line would let text inject headers.
    if (!LIST_HEADERS.has(name) || typeof value !== 'string' || /[\r\n]/.test(value) || value.length > 500) {
      throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `the header '${name}' may not be set on a notification`, [{ where: `headers.${name}`, message: 'not a list header, or not one line' }]);
    }
  }
  return { ...headers };
}

const EMAIL = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

let defaultTemplates: TemplateStore | undefined;

/**
 * Renders and queues one message in the caller's transaction: if that transaction rolls back, no e-mail is sent.
 * Returns the outbox id (the existing one when the idempotency key was already used).
 */
export async function enqueueNotification(tx: Queryable, input: NotificationInput, templates?: TemplateStore): Promise<number> {
  if (typeof input.to !== 'string' || !(EMAIL.test(input.to) || SEALED_ADDRESS.test(input.to))) {
    throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', 'the recipient is not a valid e-mail address', [{ where: 'to', message: 'not an e-mail address' }]);
  }
  const store = templates ?? (defaultTemplates ??= new TemplateStore());
  const message = store.render(input.template, input.values, input.version);
  const inserted = await tx.query<{ id: number }>(
    `insert into notification_outbox (template, template_version, recipient, subject, text_body, html_body, instance_id, idempotency_key, headers)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) on conflict (idempotency_key) do nothing returning id`,
    [message.template, message.version, input.to, message.subject, message.text, message.html, input.instanceId ?? null, input.idempotencyKey ?? null, JSON.stringify(checkHeaders(input.headers ?? {}))]);
  if (inserted.rows[0]) return Number(inserted.rows[0].id);
  const existing = await tx.query<{ id: number }>('select id from notification_outbox where idempotency_key = $1', [input.idempotencyKey]);
  return Number(existing.rows[0]!.id);
}

export interface NotificationsOptions {
  readonly db: Database;
  readonly transport: Transport;
  readonly templates?: TemplateStore;
  readonly logger?: Logger;
  /** Attempts before a message is `failed` (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 30 s). */
  readonly backoffMs?: number;
  readonly batchSize?: number;
  /** Values every template may use (agencyName, publicUrl). */
  readonly defaults?: Record<string, string>;
  /** Identity's person lookup, when the case holds an applicant id but no e-mail. */
  readonly getPerson?: (id: string) => Promise<{ name?: string; email?: string } | null>;
  /**
   * Opens a recipient sealed in the vault (`vault:pd1_…`) in the sending transaction, logging the use; null when the
   * record was erased (the person unsubscribed), and the message then fails without being sent.
   */
  readonly openRecipient?: (tx: Queryable, ref: string) => Promise<string | null>;
  /** Told of every delivery attempt's outcome (metrics): sent, failed but to be retried, or failed for good. */
  readonly onAttempt?: (outcome: 'sent' | 'retry' | 'failed') => void;
  /**
   * A message's values as its reader reads them (issue 21): the composition root puts the case's own words in the
   * case's language (the service's name, the outcome, the day), which notifications cannot know.
   */
  readonly localise?: (values: Record<string, unknown>) => Record<string, unknown>;
}

export class Notifications {
  readonly templates: TemplateStore;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: NotificationsOptions) {
    this.templates = options.templates ?? new TemplateStore();
  }

  enqueue(tx: Queryable, input: NotificationInput): Promise<number> {
    const given: Record<string, unknown> = { ...this.options.defaults, ...input.values };
    const values = this.options.localise ? this.options.localise(given) : given;
    // The portal's status page for the case, when the caller did not give one.
    if (values['statusUrl'] === undefined && typeof values['publicUrl'] === 'string' && typeof values['reference'] === 'string') {
      values['statusUrl'] = `${values['publicUrl'].replace(/\/$/, '')}/applications/${encodeURIComponent(values['reference'])}`;
    }
    return enqueueNotification(tx, { ...input, values }, this.templates);
  }

  /**
   * Delivers due messages. Each row is claimed with FOR UPDATE SKIP LOCKED inside its own transaction, so two
   * senders never send the same message and a crash mid-send leaves it queued (at-least-once delivery).
   */
  async sendDue(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.sendBatch().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async sendBatch(): Promise<number> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoffMs = this.options.backoffMs ?? 30_000;
    let handled = 0;
    for (let i = 0; i < (this.options.batchSize ?? 20); i++) {
      const did = await this.options.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number; recipient: string; subject: string; text_body: string; html_body: string; template: string; template_version: number; attempts: number; headers: Record<string, string> | null }>(
          `select id, recipient, subject, text_body, html_body, template, template_version, attempts, headers from notification_outbox
           where status = 'queued' and next_attempt_at <= now() order by next_attempt_at, id limit 1 for update skip locked`);
        const row = rows[0];
        if (!row) return false;
        const attempts = row.attempts + 1;
        const to = SEALED_ADDRESS.test(row.recipient) ? await this.options.openRecipient?.(tx, row.recipient) : row.recipient;
        if (typeof to !== 'string' || !EMAIL.test(to)) {
          // Erased (unsubscribed) or no vault wired in: retrying cannot help, and nothing is sent.
          await tx.query("update notification_outbox set status = 'failed', attempts = $2, last_error = $3 where id = $1", [row.id, attempts, 'the recipient\'s address is no longer held']);
          this.options.onAttempt?.('failed');
          return true;
        }
        try {
          const headers = row.headers && Object.keys(row.headers).length > 0 ? { headers: row.headers } : {};
          const providerId = await this.options.transport.send({ id: Number(row.id), to, subject: row.subject, text: row.text_body, html: row.html_body, template: row.template, version: row.template_version, ...headers });
          await tx.query("update notification_outbox set status = 'sent', attempts = $2, provider_message_id = $3, sent_at = now(), last_error = null where id = $1", [row.id, attempts, providerId]);
          this.options.onAttempt?.('sent');
        } catch (error) {
          const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
          const failed = attempts >= maxAttempts;
          await tx.query(
            `update notification_outbox set status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + ($5::bigint * interval '1 millisecond') where id = $1`,
            [row.id, failed ? 'failed' : 'queued', attempts, message, backoffMs * 2 ** (attempts - 1)]);
          this.options.logger?.warn({ outboxId: row.id, attempts, failed, transport: this.options.transport.name }, 'notification delivery failed');
          this.options.onAttempt?.(failed ? 'failed' : 'retry');
        }
        return true;
      });
      if (!did) break;
      handled++;
    }
    return handled;
  }

  /** Polls the outbox every `intervalMs` (the worker loop has no hook for it; this runs beside it). */
  start(intervalMs = 1000): { stop(): Promise<void> } {
    const tick = () => {
      this.sendDue().catch((error: unknown) => this.options.logger?.error({ err: error }, 'notification sender failed; retrying'))
        .finally(() => { if (this.timer) this.timer = setTimeout(tick, intervalMs); });
    };
    this.timer = setTimeout(tick, 0);
    return {
      stop: async () => {
        clearTimeout(this.timer);
        this.timer = undefined;
        await this.running?.catch(() => 0);
        this.options.transport.close?.();
      },
    };
  }

  async list(filter: { instanceId?: number } = {}): Promise<OutboxRow[]> {
    const { rows } = await this.options.db.query<{ id: number; template: string; template_version: number; recipient: string; subject: string; status: DeliveryStatus; attempts: number; last_error: string | null; provider_message_id: string | null; instance_id: number | null }>(
      'select id, template, template_version, recipient, subject, status, attempts, last_error, provider_message_id, instance_id from notification_outbox where ($1::bigint is null or instance_id = $1) order by id',
      [filter.instanceId ?? null]);
    return rows.map((r) => ({ id: Number(r.id), template: r.template, templateVersion: r.template_version, recipient: r.recipient, subject: r.subject, status: r.status, attempts: r.attempts, lastError: r.last_error, providerMessageId: r.provider_message_id, instanceId: r.instance_id === null ? null : Number(r.instance_id) }));
  }

  /**
   * The `notify-applicant` job handler: task header `template`; recipient from `applicantEmail`, else
   * `getPerson(applicantId)`. Case variables fill the placeholders. Enqueued once per job (idempotency key).
   */
  handler(): JobHandler {
    return async (job: ActivatedJob) => {
      const template = job.headers['template'];
      if (!template) throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `task '${job.elementId}' needs the header 'template'`, [{ where: 'template', message: 'missing task header' }]);
      let to = job.variables['applicantEmail'];
      const values: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10), ...job.variables };
      if (typeof to !== 'string' && typeof job.variables['applicantId'] === 'string' && this.options.getPerson) {
        const person = await this.options.getPerson(job.variables['applicantId']);
        to = person?.email;
        if (person?.name && values['applicantName'] === undefined) values['applicantName'] = person.name;
      }
      if (typeof to !== 'string') throw new GovflowError('GOVFLOW_ERR_NOTIFICATION_INPUT', `case ${job.instanceId} has no 'applicantEmail' (nor an applicantId identity knows)`, [{ where: 'applicantEmail', message: 'missing' }]);
      const id = await this.options.db.transaction((tx) => this.enqueue(tx, { template, to: to as string, values, instanceId: job.instanceId, idempotencyKey: `job:${job.idempotencyKey}` }));
      void this.sendDue().catch(() => 0);
      return { [`notification_${template.replace(/-/g, '_')}`]: id };
    };
  }
}
