import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { applicantOfInstanceSql, caseFamily, casesAmong, endedCasesSql, eraseInstanceVariables, eventsWithData, instancesOfApplicant } from '../engine/index.js';
import { addDuration, isoPeriod, type IsoDuration } from '../kernel/index.js';
import { appendEvent, type Database, type Queryable } from '../store/index.js';
import { subjectSql, type PersonalDataHolder } from './holders.js';
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
      rules.push({ processKey, serviceId: typeof service.id === 'string' ? service.id : dir, personalData, period: isoPeriod(personalData, `${dir}: retention.personalData`) });
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
  /** The modules that keep personal data about a case besides the engine (the portal); each erases its own rows. */
  readonly holders?: readonly PersonalDataHolder[];
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
      `select c.id, c.ended_at from ${endedCasesSql} c
       where c.process_key = $1 and not exists (select 1 from privacy_erasure e where e.instance_id = c.id)
       order by c.ended_at, c.id limit 1000`,
      [rule.processKey],
    );
    for (const row of rows) {
      if (addDuration(new Date(row.ended_at), rule.period) > now) continue;
      const instanceId = Number(row.id);
      const claimed = await options.db.transaction(async (tx) => eraseCaseRows(tx, options.vault, options.holders ?? [], instanceId, rule, actor));
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

async function eraseCaseRows(tx: Queryable, vault: Vault, holders: readonly PersonalDataHolder[], instanceId: number, rule: RetentionRule, actor: string): Promise<{ eventIds: number[] } | null> {
  const subjectRow = await tx.query<{ subject: string | null }>(`select ${subjectSql(holders, '$1::bigint', applicantOfInstanceSql('$1::bigint'))} as subject`, [instanceId]);
  const subject = subjectRow.rows[0]?.subject ?? null;
  const claim = await tx.query('insert into privacy_erasure (instance_id, subject, rule) values ($1, $2, $3) on conflict do nothing', [instanceId, subject, `${rule.serviceId}:${rule.personalData}`]);
  if (claim.rowCount === 0) return null;
  // The case and the processes it called: the engine's variables, then each holder's rows (answers, drafts, uploads).
  const ids = await caseFamily(tx, instanceId);
  await eraseInstanceVariables(tx, ids, KEPT_VARIABLES, ERASED_MARKER);
  const counts: Record<string, number> = {};
  for (const holder of holders) {
    for (const [key, n] of Object.entries(await holder.eraseCases(tx, ids, ERASED_MARKER))) counts[key] = (counts[key] ?? 0) + n;
  }
  // The vault's records collected for the case (registry answers, household members' records) go with it.
  const records = await vault.records.eraseForCases(tx, ids);
  let identifiers = 0;
  if (subject) {
    // The vault's identifiers go with the person's last case not yet erased (this one is claimed above).
    const known = new Set(await instancesOfApplicant(tx, subject, { casesOnly: true }));
    for (const holder of holders) for (const id of await holder.casesOf(tx, subject)) known.add(id);
    const cases = await casesAmong(tx, [...known]);
    const erased = await tx.query<{ instance_id: string | number }>('select instance_id from privacy_erasure where instance_id = any($1::bigint[])', [cases]);
    if (erased.rows.length === cases.length) identifiers = await vault.eraseIdentifiers(tx, subject) + await vault.records.eraseOf(tx, subject);
  }
  const eventIds = await eventsWithData(tx, ids, ERASED_MARKER);
  const eventId = await appendEvent(tx, {
    type: 'personal-data.erased', actor,
    data: { instanceId, rule: `${rule.serviceId}:${rule.personalData}`, cases: ids.length, submissions: counts['submissions'] ?? 0, identifiers, records, events: eventIds.length },
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
