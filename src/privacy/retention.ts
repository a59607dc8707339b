import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { appendEvent, type Database, type Queryable } from '../store/index.js';
import { addDuration, parseIsoDuration, type IsoDuration } from './duration.js';
import type { Vault } from './vault.js';

/** How long a service keeps personal data after its case ends, by process key. */
export interface RetentionRule {
  readonly processKey: string;
  readonly serviceId: string;
  readonly personalData: string;
  readonly period: IsoDuration;
}

/**
 * Reads `retention.personalData` from each `services/<id>/service.json`, defensively: the field is optional, a
 * service without it keeps data (nothing is erased by guesswork), and a malformed period is reported in `problems`
 * rather than stopping every other service's retention.
 */
export async function loadRetentionRules(servicesDir: string): Promise<{ rules: RetentionRule[]; problems: string[] }> {
  const rules: RetentionRule[] = [];
  const problems: string[] = [];
  let entries: string[];
  try {
    entries = (await readdir(servicesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return { rules, problems: [`no services directory at ${servicesDir}`] };
  }
  for (const dir of entries) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path.join(servicesDir, dir, 'service.json'), 'utf8'));
    } catch {
      continue; // not a service folder, or the catalogue's own loader reports it
    }
    if (typeof raw !== 'object' || raw === null) continue;
    const service = raw as { id?: unknown; process?: { key?: unknown }; retention?: { personalData?: unknown } };
    const personalData = service.retention?.personalData;
    const processKey = service.process?.key;
    if (personalData === undefined) continue;
    if (typeof processKey !== 'string' || typeof personalData !== 'string') {
      problems.push(`${dir}: retention.personalData and process.key must be strings`);
      continue;
    }
    try {
      rules.push({ processKey, serviceId: typeof service.id === 'string' ? service.id : dir, personalData, period: parseIsoDuration(personalData, `${dir}: retention.personalData`) });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { rules, problems };
}

/** Case variables that identify the case, not the person; kept after erasure so the case stays countable. */
const KEPT_VARIABLES = ['applicationId', 'serviceId'];
export const ERASED_MARKER = { 'govflow:erased': true } as const;

export interface RetentionOptions {
  readonly db: Database;
  readonly vault: Vault;
  readonly rules: readonly RetentionRule[];
  /**
   * The ledger's lawful erasure of one event's data (`eraseEventData` from src/ledger), injected because privacy
   * may not depend on the ledger: it keeps the Merkle proofs valid while the data goes.
   */
  readonly eraseEventData: (db: Database, eventId: number, reason: string) => Promise<void>;
  readonly now?: () => Date;
  readonly actor?: string;
}

export interface RetentionResult {
  readonly erasedCases: number[];
  readonly erasedEvents: number;
}

/**
 * One retention run: every ended case of a service with a rule whose end lies further back than the period has its
 * personal data erased — case variables, the events' data (through the ledger's erasure), portal answers and the
 * citizen's draft for that service, and the person's vault identifiers once they have no other case left. Each
 * case is one `personal-data.erased` event. Safe to run repeatedly and from several processes: a case is claimed
 * by inserting its `privacy_erasure` row first.
 */
export async function runRetention(options: RetentionOptions): Promise<RetentionResult> {
  const now = options.now?.() ?? new Date();
  const actor = options.actor ?? 'system:retention';
  const erasedCases: number[] = [];
  let erasedEvents = 0;
  for (const rule of options.rules) {
    const { rows } = await options.db.query<{ id: string | number; ended_at: Date | string }>(
      `select i.id, i.ended_at from process_instance i
       where i.process_key = $1 and i.state in ('completed', 'terminated') and i.ended_at is not null and i.parent_instance_id is null
         and not exists (select 1 from privacy_erasure e where e.instance_id = i.id)
       order by i.ended_at, i.id limit 1000`,
      [rule.processKey],
    );
    for (const row of rows) {
      if (addDuration(new Date(row.ended_at), rule.period) > now) continue;
      const instanceId = Number(row.id);
      const claimed = await options.db.transaction(async (tx) => eraseCaseRows(tx, options.vault, instanceId, rule, actor));
      if (!claimed) continue;
      // The events' data goes through the ledger, one event per transaction (its own API), after the case rows.
      for (const eventId of claimed.eventIds) {
        await options.eraseEventData(options.db, eventId, `retention ${rule.serviceId} ${rule.personalData}`);
        erasedEvents++;
      }
      erasedCases.push(instanceId);
    }
  }
  return { erasedCases, erasedEvents };
}

async function eraseCaseRows(tx: Queryable, vault: Vault, instanceId: number, rule: RetentionRule, actor: string): Promise<{ eventIds: number[] } | null> {
  const subjectRow = await tx.query<{ citizen_id: string | null; applicant: unknown }>(
    `select (select s.citizen_id from portal_submission s where s.instance_id = i.id order by s.id limit 1) as citizen_id, i.variables -> 'applicant' as applicant
     from process_instance i where i.id = $1`, [instanceId],
  );
  const subject = subjectRow.rows[0]?.citizen_id ?? (typeof subjectRow.rows[0]?.applicant === 'string' ? subjectRow.rows[0].applicant : null);
  const claim = await tx.query('insert into privacy_erasure (instance_id, subject, rule) values ($1, $2, $3) on conflict do nothing', [instanceId, subject, `${rule.serviceId}:${rule.personalData}`]);
  if (claim.rowCount === 0) return null;
  // The case and the processes it called.
  const family = await tx.query<{ id: string | number }>(
    `with recursive f(id) as (select $1::bigint union all select c.id from process_instance c join f on c.parent_instance_id = f.id) select id from f`, [instanceId],
  );
  const ids = family.rows.map((r) => Number(r.id));
  await tx.query(
    `update process_instance set variables = (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(variables) where key = any($2::text[])) || $3::jsonb
     where id = any($1::bigint[])`,
    [ids, KEPT_VARIABLES, JSON.stringify(ERASED_MARKER)],
  );
  const submissions = await tx.query<{ citizen_id: string; service_id: string }>(
    `update portal_submission set answers = $2::jsonb where instance_id = any($1::bigint[]) returning citizen_id, service_id`, [ids, JSON.stringify(ERASED_MARKER)],
  );
  for (const s of submissions.rows) await tx.query('delete from portal_draft where citizen_id = $1 and service_id = $2', [s.citizen_id, s.service_id]);
  // Uploads (migration 0008, table case_upload, linked by the submission's reference; a draft's uploads by owner and
  // service). Checked through the catalogue, not by trying: a failed statement would abort this transaction.
  const uploads = await tx.query<{ n: number }>(`select count(*)::int as n from information_schema.columns where table_name = 'case_upload' and column_name in ('reference', 'owner', 'service_id') and table_schema = current_schema()`);
  if (uploads.rows[0]!.n === 3) {
    await tx.query('delete from case_upload where reference in (select reference from portal_submission where instance_id = any($1::bigint[]))', [ids]);
    for (const sub of submissions.rows) await tx.query('delete from case_upload where reference is null and owner = $1 and service_id = $2', [`citizen:${sub.citizen_id}`, sub.service_id]);
  }
  let identifiers = 0;
  if (subject) {
    const others = await tx.query<{ n: number }>(
      `select count(*)::int as n from process_instance i
       where (i.variables ->> 'applicant' = $1 or exists (select 1 from portal_submission s where s.instance_id = i.id and s.citizen_id = $1))
         and i.parent_instance_id is null and not exists (select 1 from privacy_erasure e where e.instance_id = i.id)`, [subject],
    );
    if (others.rows[0]!.n === 0) identifiers = await vault.eraseIdentifiers(tx, subject);
  }
  const events = await tx.query<{ id: string | number }>(
    `select e.id from event_log e where e.instance_id = any($1::bigint[]) and e.data <> '{}'::jsonb and e.data <> $2::jsonb order by e.id`,
    [ids, JSON.stringify({ 'govflow:erased': true })],
  );
  const eventIds = events.rows.map((r) => Number(r.id));
  const eventId = await appendEvent(tx, {
    type: 'personal-data.erased', actor,
    data: { instanceId, rule: `${rule.serviceId}:${rule.personalData}`, cases: ids.length, submissions: submissions.rowCount, identifiers, events: eventIds.length },
  });
  await tx.query('update privacy_erasure set event_id = $2 where instance_id = $1', [instanceId, eventId]);
  return { eventIds };
}

/**
 * Runs retention now and then every `intervalMs` (default hourly) until stopped; rules are re-read each run so a
 * catalogue change needs no restart. Failures are logged and retried next round, never thrown into the server.
 */
export function startRetentionLoop(options: Omit<RetentionOptions, 'rules'> & { servicesDir: string; intervalMs?: number; logger?: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void } }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = async () => {
    try {
      const { rules, problems } = await loadRetentionRules(options.servicesDir);
      for (const problem of problems) options.logger?.warn({ problem }, 'retention rule ignored');
      const result = await runRetention({ ...options, rules });
      if (result.erasedCases.length > 0) options.logger?.info({ cases: result.erasedCases.length, events: result.erasedEvents }, 'retention erased personal data');
    } catch (err) {
      options.logger?.error({ err }, 'retention run failed; retried next round');
    }
  };
  const tick = () => { if (!stopped) running = round(); };
  const timer = setInterval(tick, options.intervalMs ?? 3_600_000);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
