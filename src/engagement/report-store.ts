import { INSERT_PLATFORM_EVENTS_SQL, type Queryable } from '../store/index.js';

/** What a report says, whichever edge it came through. */
interface ReportCore {
  readonly jurisdictionId: string;
  readonly serviceCode: string;
  readonly description: string;
  readonly lat: number | null;
  readonly long: number | null;
  readonly address: string | null;
  readonly addressId: string | null;
  readonly zipcode: string | null;
  readonly mediaUrl: string | null;
  /** attribute code → value, or the values of a multivaluelist. */
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
}

/** A problem report as engagement keeps it: its fields plus the status read from its case. */
export interface ReportView extends ReportCore {
  readonly id: number;
  readonly token: string;
  /** W3C date-time in UTC (`2026-05-01T09:00:00Z`). */
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly status: 'open' | 'closed';
  readonly statusNotes: string | null;
  readonly instanceId: number | null;
  readonly citizenId: string | null;
  /** The report staff merged this one into (a duplicate): its reporter follows that one. */
  readonly mergedInto: number | null;
  /** The category was the classifier's guess (the citizen did not know it) and staff have not confirmed it yet. */
  readonly categoryGuessed: boolean;
}

export interface NewReport extends ReportCore {
  /** The reporter's contact (Open311 email, names, phone, device and account ids); never shown by GET requests. */
  readonly contact: Readonly<Record<string, string>>;
  readonly channel: 'open311' | 'web';
  readonly clientId: string | null;
  readonly citizenId: string | null;
  readonly categoryGuessed?: boolean;
}

export interface ReportFilter {
  readonly jurisdictionId: string;
  /** Overrides every other filter (Open311: "This overrides all other arguments"). */
  readonly ids?: readonly number[];
  readonly serviceCodes?: readonly string[];
  readonly statuses?: readonly ('open' | 'closed')[];
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
  readonly offset: number;
}

const W3C = (column: string): string => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/**
 * The status of a report is its case's: closed once the case ended, the notes of the last task completed with
 * `statusNotes`, updated at its last event. Read through the engine's exported `process_event` view in the same
 * statement, so a list of a thousand reports is one round trip and never disagrees with the workbench.
 */
const CASE_STATE = `left join lateral (
    select max(e.occurred_at) as updated_at,
           coalesce(bool_or(e.type in ('process.completed', 'process.terminated')), false) as ended,
           (array_agg(e.data -> 'variables' ->> 'statusNotes' order by e.seq desc)
              filter (where e.type = 'task.completed' and (e.data -> 'variables') ? 'statusNotes'))[1] as notes
    from process_event e where e.instance_id = r.instance_id
  ) c on true`;

/** A merged report's Open311 status_notes (its case is cancelled; the note names the report it follows). */
const MERGED_NOTE = `'Duplicate: merged into request ' || r.merged_into || '. Follow that request for updates.'`;

const selectReports = (source: string): string => `select r.id::float8 as id, r.token, r.jurisdiction_id, r.service_code, r.description, r.lat, r.long, r.address,
    r.address_id, r.zipcode, r.media_url, r.attributes, r.instance_id::float8 as instance_id, r.citizen_id,
    r.merged_into::float8 as merged_into, r.category_guessed,
    ${W3C('r.requested_at')} as requested_at, ${W3C('greatest(coalesce(c.updated_at, r.requested_at), r.merged_at)')} as updated_at,
    case when c.ended or r.merged_into is not null then 'closed' else 'open' end as status,
    case when r.merged_into is not null then ${MERGED_NOTE} else c.notes end as notes
  from ${source} r ${CASE_STATE}`;
const SELECT_REPORT = selectReports('engagement_report');

interface ReportRow {
  id: number; token: string; jurisdiction_id: string; service_code: string; description: string; lat: number | null; long: number | null;
  address: string | null; address_id: string | null; zipcode: string | null; media_url: string | null; attributes: Record<string, string | string[]>;
  instance_id: number | null; citizen_id: string | null; merged_into: number | null; category_guessed: boolean; requested_at: string; updated_at: string; status: 'open' | 'closed'; notes: string | null;
}

const toView = (r: ReportRow): ReportView => ({
  id: Number(r.id), token: r.token, jurisdictionId: r.jurisdiction_id, serviceCode: r.service_code, description: r.description,
  lat: r.lat === null ? null : Number(r.lat), long: r.long === null ? null : Number(r.long), address: r.address, addressId: r.address_id,
  zipcode: r.zipcode, mediaUrl: r.media_url, attributes: r.attributes, requestedAt: r.requested_at, updatedAt: r.updated_at,
  status: r.status, statusNotes: r.notes, instanceId: r.instance_id === null ? null : Number(r.instance_id), citizenId: r.citizen_id,
  mergedInto: r.merged_into === null ? null : Number(r.merged_into), categoryGuessed: r.category_guessed,
});

/**
 * Every write that changes what a report shows appends an `engagement.report.*` event in the same statement: the
 * event log is what the Open311 list cache checks (open311-cache.ts), by transaction id, so a change committed by
 * any process is seen by the next read of every other.
 */
const changeEvent = (source: string, type: string, data: string): string =>
  `${INSERT_PLATFORM_EVENTS_SQL} select null, null, '${type}', null, 'engagement', now(), ${data} from ${source}`;

/** One statement (atomic without a transaction of its own): the row and its `engagement.report.submitted` event. */
export async function insertReport(db: Queryable, report: NewReport, token: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `with ins as (
       insert into engagement_report (token, jurisdiction_id, service_code, description, lat, long, address, address_id, zipcode, contact, media_url, attributes, channel, client_id, citizen_id, category_guessed)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning id
     ), ev as (${changeEvent('ins', 'engagement.report.submitted', "jsonb_build_object('report', ins.id)")})
     select id::float8 as id from ins`,
    [token, report.jurisdictionId, report.serviceCode, report.description, report.lat, report.long, report.address, report.addressId, report.zipcode,
      JSON.stringify(report.contact), report.mediaUrl, JSON.stringify(report.attributes), report.channel, report.clientId, report.citizenId, report.categoryGuessed ?? false],
    // Named: parsed and planned once per connection (each report posted runs it).
    { name: 'engagement-insert-report' });
  return Number(rows[0]!.id);
}

export async function setReportInstance(db: Queryable, id: number, instanceId: number): Promise<void> {
  await db.query(`with upd as (update engagement_report set instance_id = $2 where id = $1 returning id)
    ${changeEvent('upd', 'engagement.report.case-started', "jsonb_build_object('report', upd.id, 'instanceId', $2::bigint)")}`, [id, instanceId],
  { name: 'engagement-set-report-instance' });
}

/** Staff moved the report to another category, or confirmed it (the triage page): no longer a guess either way. */
export async function setReportCategory(db: Queryable, id: number, serviceCode: string): Promise<void> {
  await db.query(`with upd as (update engagement_report set service_code = $2, category_guessed = false where id = $1 returning id)
    ${changeEvent('upd', 'engagement.report.recategorised', "jsonb_build_object('report', upd.id, 'serviceCode', $2::text)")}`, [id, serviceCode]);
}

/**
 * Marks `id` merged into `into`, unless either is already merged (no chains): false when it was not. Guarded in the
 * statement itself, so two staff merging at once cannot make a chain or a cycle. The caller appends
 * `engagement.report.merged` in the same transaction (the list cache's signal).
 */
export async function markMerged(db: Queryable, id: number, into: number): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>(
    `update engagement_report set merged_into = $2, merged_at = now() where id = $1 and merged_into is null
       and not exists (select 1 from engagement_report m where m.id = $2 and m.merged_into is not null)
       and not exists (select 1 from engagement_report d where d.merged_into = $1)
     returning id::float8 as id`, [id, into]);
  return rows.length === 1;
}

/** In the transaction that inserted the report (whose event already signals the change). */
export async function setReportMedia(db: Queryable, id: number, mediaUrl: string): Promise<void> {
  await db.query('update engagement_report set media_url = $2 where id = $1', [id, mediaUrl]);
}

/** Reports without a case: a start that failed after the insert (the start loop finishes them). */
export async function reportsWithoutCase(db: Queryable, limit: number): Promise<{ id: number; serviceCode: string }[]> {
  const { rows } = await db.query<{ id: number; service_code: string }>(
    'select id::float8 as id, service_code from engagement_report where instance_id is null and merged_into is null order by id limit $1', [limit]);
  return rows.map((r) => ({ id: Number(r.id), serviceCode: r.service_code }));
}

export async function getReport(db: Queryable, jurisdictionId: string | null, id: number): Promise<ReportView | null> {
  const { rows } = await db.query<ReportRow>(`${SELECT_REPORT} where r.id = $1 and ($2::text is null or r.jurisdiction_id = $2)`, [id, jurisdictionId]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function reportIdOfToken(db: Queryable, jurisdictionId: string, token: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>('select id::float8 as id from engagement_report where token = $1 and jurisdiction_id = $2', [token, jurisdictionId]);
  return rows[0] ? Number(rows[0].id) : null;
}

export async function listReports(db: Queryable, f: ReportFilter): Promise<ReportView[]> {
  if (f.ids) {
    const { rows } = await db.query<ReportRow>(`${SELECT_REPORT} where r.jurisdiction_id = $1 and r.id = any($2::bigint[]) order by r.id limit $3 offset $4`,
      [f.jurisdictionId, [...f.ids], f.limit, f.offset]);
    return rows.map(toView);
  }
  if (!f.statuses) {
    // Without a status filter the page is chosen before any case is read: the page's ids come from the window index
    // alone (an index-only scan when no category is asked for, however deep the offset), and only those reports are
    // read and look up their case (with the filter, every report of the window must). Joined after the limit, the
    // planner would look up the case of every report the offset skips.
    const params: unknown[] = [f.jurisdictionId, f.from ?? new Date(0), f.to ?? new Date('9999-12-31T00:00:00Z'), f.limit, f.offset];
    const byCategory = f.serviceCodes ? `and service_code = any($${params.push([...f.serviceCodes])}::text[])` : '';
    const page = `select id from engagement_report where jurisdiction_id = $1 and requested_at >= $2 and requested_at <= $3 ${byCategory}
      order by requested_at desc, id desc limit $4 offset $5`;
    const { rows } = await db.query<ReportRow>(`${selectReports(`(select * from engagement_report where id in (${page}))`)} order by r.requested_at desc, r.id desc`, params);
    return rows.map(toView);
  }
  const { rows } = await db.query<ReportRow>(
    `select * from (${SELECT_REPORT}
       where r.jurisdiction_id = $1 and ($2::text[] is null or r.service_code = any($2)) and r.requested_at >= $3 and r.requested_at <= $4) x
     where ($5::text[] is null or x.status = any($5))
     order by x.requested_at desc, x.id desc limit $6 offset $7`,
    [f.jurisdictionId, f.serviceCodes ? [...f.serviceCodes] : null, f.from ?? new Date(0), f.to ?? new Date('9999-12-31T00:00:00Z'),
      f.statuses ? [...f.statuses] : null, f.limit, f.offset]);
  return rows.map(toView);
}

/**
 * Whether anything a report shows may have changed since `snapshot` (a `pg_snapshot` in text form): an event of a
 * problem-report case or an `engagement.report.*` event written by a transaction `snapshot` does not see and that
 * has committed since. Answers with the statement's own snapshot, the next one to check against when nothing
 * changed. Reads the engine's `process_event` view by its transaction-id index: only events of transactions at or
 * after the snapshot's xmin are looked at.
 */
export async function reportsChangedSince(db: Queryable, snapshot: string | null, processKey: string): Promise<{ changed: boolean; snapshot: string }> {
  if (snapshot === null) {
    const { rows } = await db.query<{ snapshot: string }>('select pg_current_snapshot()::text as snapshot');
    return { changed: true, snapshot: rows[0]!.snapshot };
  }
  const { rows } = await db.query<{ changed: boolean; snapshot: string }>(
    `select pg_current_snapshot()::text as snapshot, exists (
       select 1 from process_event e
        where e.tx_id >= pg_snapshot_xmin($1::pg_snapshot) and not pg_visible_in_snapshot(e.tx_id, $1::pg_snapshot)
          and (e.process_key = $2::text or starts_with(e.type, 'engagement.report.'))) as changed`,
    [snapshot, processKey], { name: 'engagement-reports-changed-since' });
  return rows[0]!;
}

/**
 * Open reports of the same category within `radiusMetres`, nearest first: the possible duplicates offered before a
 * citizen submits. Distance by the equirectangular approximation, exact enough within a few kilometres.
 */
export async function nearbyOpenReports(db: Queryable, q: { jurisdictionId: string; serviceCode: string; lat: number; long: number; radiusMetres: number; limit: number }): Promise<(ReportView & { distanceMetres: number })[]> {
  const degrees = q.radiusMetres / 111_320;
  const { rows } = await db.query<ReportRow & { distance: number }>(
    `with p as (select $3::float8 as lat, $4::float8 as long, $5::float8 as deg, $6::float8 as radius, greatest(cos(radians($3::float8)), 0.01) as k)
     select * from (
       select x.*, 6371000 * sqrt(power(radians(x.lat - p.lat), 2) + power(radians(x.long - p.long) * p.k, 2)) as distance
       from p, (${SELECT_REPORT} , p where r.jurisdiction_id = $1 and r.service_code = $2 and r.lat between p.lat - p.deg and p.lat + p.deg
             and r.long between p.long - p.deg / p.k and p.long + p.deg / p.k) x
       where x.status = 'open') y
     where y.distance <= (select radius from p) order by y.distance, y.id limit $7`,
    [q.jurisdictionId, q.serviceCode, q.lat, q.long, degrees, q.radiusMetres, q.limit]);
  return rows.map((r) => ({ ...toView(r), distanceMetres: Math.round(Number(r.distance)) }));
}

/** One entry of FixMyStreet's updates extension: a staff step of the case, or an update a client posted. */
export interface UpdateView {
  readonly updateId: string;
  readonly serviceRequestId: number;
  readonly status: string;
  readonly description: string;
  readonly updatedAt: string;
  readonly mediaUrl: string | null;
}

/** What a completed task of the problem-report process means to a reporter (FixMyStreet's extended statuses). */
function statusOfStep(type: string, elementId: string | null, outcome: string | null): string {
  if (type === 'process.terminated') return 'closed';
  if (elementId === 'triage') return outcome === 'duplicate' ? 'duplicate' : outcome === 'not-ours' ? 'not_councils_responsibility' : 'investigating';
  if (elementId === 'department-task') return 'action_scheduled';
  if (elementId === 'fix') return 'fixed';
  return 'open';
}

/**
 * The updates in a time window, oldest first (Open311's order); `serviceCodes` keeps those of some categories and
 * `newestFirst` turns the order round (the updates feeds show the latest status changes).
 */
export async function listUpdates(db: Queryable, q: { jurisdictionId: string; from: Date; to: Date; limit: number; offset: number; serviceCodes?: readonly string[]; newestFirst?: boolean }): Promise<UpdateView[]> {
  const { rows } = await db.query<{ update_id: string; report_id: number; type: string; element_id: string | null; outcome: string | null; description: string | null; updated_at: string; media_url: string | null }>(
    `select x.update_id, x.report_id, x.type, x.element_id, x.outcome, x.description, x.media_url, ${W3C('x.at')} as updated_at from (
       select 'c' || e.id as update_id, r.id::float8 as report_id, e.type, e.element_id, e.data -> 'variables' ->> 'triageOutcome' as outcome,
              e.data -> 'variables' ->> 'statusNotes' as description, e.occurred_at as at, null::text as media_url
       from engagement_report r join process_event e on e.instance_id = r.instance_id
       where r.jurisdiction_id = $1 and e.type in ('task.completed', 'process.terminated') and e.occurred_at >= $2 and e.occurred_at <= $3
         and ($6::text[] is null or r.service_code = any($6))
       union all
       select 'u' || u.id, u.report_id::float8, 'client', null, u.status, u.description, u.updated_at, u.media_url
       from engagement_update u join engagement_report r on r.id = u.report_id
       where r.jurisdiction_id = $1 and u.updated_at >= $2 and u.updated_at <= $3 and ($6::text[] is null or r.service_code = any($6))
     ) x order by ${q.newestFirst ? 'x.at desc, x.update_id desc' : 'x.at, x.update_id'} limit $4 offset $5`,
    [q.jurisdictionId, q.from, q.to, q.limit, q.offset, q.serviceCodes ? [...q.serviceCodes] : null]);
  return rows.map((r) => ({
    updateId: r.update_id, serviceRequestId: Number(r.report_id), description: r.description ?? '', mediaUrl: r.media_url,
    status: r.type === 'client' ? (r.outcome ?? 'open') : statusOfStep(r.type, r.element_id, r.outcome),
    updatedAt: r.updated_at,
  }));
}

/** Records a client's update once per (client, its update id); returns our update id. */
export async function insertUpdate(db: Queryable, u: { reportId: number; status: string; description: string; mediaUrl: string | null; clientId: string; externalId: string | null; updatedAt: Date }): Promise<{ id: string; created: boolean }> {
  const { rows } = await db.query<{ id: string; created: boolean }>(
    `with ins as (
       insert into engagement_update (report_id, status, description, media_url, client_id, external_id, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (client_id, external_id) do nothing returning id
     )
     select 'u' || id as id, true as created from ins
     union all
     select 'u' || id, false from engagement_update where client_id = $5 and external_id = $6 and not exists (select 1 from ins)`,
    [u.reportId, u.status, u.description, u.mediaUrl, u.clientId, u.externalId, u.updatedAt]);
  return rows[0]!;
}

export async function insertPhoto(db: Queryable, p: { reportId: number; mediaType: string; bytes: Buffer; sha256: string }): Promise<void> {
  await db.query('insert into engagement_photo (report_id, media_type, bytes, sha256) values ($1, $2, $3, $4)', [p.reportId, p.mediaType, p.bytes, p.sha256]);
}

export async function readPhoto(db: Queryable, reportId: number): Promise<{ mediaType: string; bytes: Buffer } | null> {
  const { rows } = await db.query<{ media_type: string; bytes: Uint8Array }>('select media_type, bytes from engagement_photo where report_id = $1', [reportId]);
  return rows[0] ? { mediaType: rows[0].media_type, bytes: Buffer.from(rows[0].bytes) } : null;
}

/**
 * Bench data only (`govflow bench engagement`): `count` open reports spread over the last 80 days, in one statement.
 * They carry no case (instance 0 is no instance, so the pending-start loop leaves them alone and their status reads
 * as open, the way a report whose case has not moved yet reads); GET requests reads them like any other.
 */
export async function seedBenchReports(db: Queryable, q: { count: number; jurisdictionId: string; serviceCodes: readonly string[] }): Promise<void> {
  await db.query(
    `insert into engagement_report (token, jurisdiction_id, service_code, description, lat, long, address, channel, client_id, instance_id, requested_at)
     select 'bench-' || g, $2, ($3::text[])[1 + g % cardinality($3::text[])], 'Bench report ' || g || ': the lamp outside is out', 51.4 + (g % 1000) / 10000.0,
            -0.2 + (g % 997) / 10000.0, g || ' Bench Street', 'open311', 'bench', 0, now() - make_interval(secs => (g % 6912000))
     from generate_series(1, $1::int) g`,
    [q.count, q.jurisdictionId, [...q.serviceCodes]]);
}
