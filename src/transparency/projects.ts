/**
 * Project timelines (issue 17, Decidim Accountability style): public projects with a department, budget, place,
 * status, progress and milestones, and a public history of updates. Each write is one transaction that also appends
 * a `project.*` event to the event log, so the ledger seals the history and the timeline can be checked against it.
 * Input is checked here, once, into field errors a page shows by the field (nothing is written when one is wrong).
 */
import { t } from '../i18n/index.js';
import { appendEvent, type Database, type Queryable } from '../store/index.js';

export const PROJECT_STATUSES = ['planned', 'in-progress', 'paused', 'completed', 'cancelled'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export interface Milestone {
  readonly id: number;
  readonly title: string;
  /** YYYY-MM-DD */
  readonly plannedOn: string;
  readonly doneOn: string | null;
}

export interface ProjectUpdate {
  readonly at: string;
  readonly status: ProjectStatus;
  readonly progress: number;
  readonly text: string;
}

export interface Project {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
  readonly department: string;
  readonly budgetMinor: number | null;
  readonly currency: string;
  readonly budgetLine: string | null;
  readonly place: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly status: ProjectStatus;
  readonly progress: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly milestones: readonly Milestone[];
  readonly updates: readonly ProjectUpdate[];
}

/** A field's problem, in the words a page shows next to the field. */
export interface ProjectFieldError { readonly key: string; readonly message: string }

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: ProjectFieldError[] };

export interface NewProject {
  readonly title: string;
  readonly summary: string;
  readonly department: string;
  readonly budgetMinor: number | null;
  readonly budgetLine: string | null;
  readonly place: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

const LIMITS = { title: 120, summary: 600, place: 200, text: 2000, milestone: 120, budgetLine: 60 } as const;

const text = (input: Readonly<Record<string, string | undefined>>, key: string): string => (input[key] ?? '').trim();

function decimalOrNull(errors: ProjectFieldError[], key: string, raw: string, what: 'latitude' | 'longitude', min: number, max: number): number | null {
  if (raw === '') return null;
  if (!/^-?\d{1,3}(\.\d{1,8})?$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    errors.push({ key, message: t('staff.projects.errorCoordinate', { what, min, max, example: key === 'latitude' ? '41.3874' : '2.1686' }) });
    return null;
  }
  return Number(raw);
}

/** `what` names the field for the messages (an ICU select in the catalogue). */
function required(errors: ProjectFieldError[], key: string, value: string, what: 'name' | 'summary' | 'update' | 'milestone', max: number): void {
  if (value === '') errors.push({ key, message: t('staff.projects.errorMissing', { what }) });
  else if (value.length > max) errors.push({ key, message: t('staff.projects.errorTooLong', { what, max }) });
}

/** Checks a new project's form fields; `departments` are the ones the author may publish for. */
export function checkNewProject(input: Readonly<Record<string, string | undefined>>, departments: readonly string[]): Checked<NewProject> {
  const errors: ProjectFieldError[] = [];
  const title = text(input, 'title');
  const summary = text(input, 'summary');
  const department = text(input, 'department');
  const place = text(input, 'place');
  const budgetLine = text(input, 'budgetLine');
  required(errors, 'title', title, 'name', LIMITS.title);
  required(errors, 'summary', summary, 'summary', LIMITS.summary);
  if (!departments.includes(department)) errors.push({ key: 'department', message: t('staff.projects.errorDepartment') });
  const budget = text(input, 'budget').replace(/[\s,]/g, '');
  let budgetMinor: number | null = null;
  if (budget !== '') {
    if (!/^\d{1,12}(\.\d{1,2})?$/.test(budget)) errors.push({ key: 'budget', message: t('staff.projects.errorBudget', { example1: '250000', example2: '1250.50' }) });
    else budgetMinor = Math.round(Number(budget) * 100);
  }
  if (place.length > LIMITS.place) errors.push({ key: 'place', message: t('staff.projects.errorPlace', { max: LIMITS.place }) });
  if (budgetLine.length > LIMITS.budgetLine || (budgetLine !== '' && !/^[A-Za-z0-9._/-]+$/.test(budgetLine))) errors.push({ key: 'budgetLine', message: t('staff.projects.errorBudgetLine', { example: 'PW-2026-014' }) });
  const latitude = decimalOrNull(errors, 'latitude', text(input, 'latitude'), 'latitude', -90, 90);
  const longitude = decimalOrNull(errors, 'longitude', text(input, 'longitude'), 'longitude', -180, 180);
  if ((latitude === null) !== (longitude === null) && !errors.some((e) => e.key === 'latitude' || e.key === 'longitude')) {
    errors.push({ key: latitude === null ? 'latitude' : 'longitude', message: t('staff.projects.errorBoth') });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { title, summary, department, budgetMinor, budgetLine: budgetLine || null, place: place || null, latitude, longitude } };
}

/** Checks a progress update: status, progress 0–100 and what changed. */
export function checkProjectUpdate(input: Readonly<Record<string, string | undefined>>): Checked<{ status: ProjectStatus; progress: number; text: string }> {
  const errors: ProjectFieldError[] = [];
  const status = text(input, 'status');
  const progressRaw = text(input, 'progress');
  const note = text(input, 'text');
  if (!(PROJECT_STATUSES as readonly string[]).includes(status)) errors.push({ key: 'status', message: t('staff.projects.errorStatus') });
  if (!/^\d{1,3}$/.test(progressRaw) || Number(progressRaw) > 100) errors.push({ key: 'progress', message: t('staff.projects.errorProgress') });
  required(errors, 'text', note, 'update', LIMITS.text);
  if (errors.length > 0) return { ok: false, errors };
  const progress = Number(progressRaw);
  if (status === 'completed' && progress !== 100) return { ok: false, errors: [{ key: 'progress', message: t('staff.projects.errorCompleted') }] };
  return { ok: true, value: { status: status as ProjectStatus, progress, text: note } };
}

/** Checks a milestone: a title and a real planned date. */
export function checkMilestone(input: Readonly<Record<string, string | undefined>>): Checked<{ title: string; plannedOn: string }> {
  const errors: ProjectFieldError[] = [];
  const title = text(input, 'milestone');
  const plannedOn = text(input, 'plannedOn');
  required(errors, 'milestone', title, 'milestone', LIMITS.milestone);
  if (!isRealDate(plannedOn)) errors.push({ key: 'plannedOn', message: t('staff.projects.errorDate', { example: '2027-03-31' }) });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { title, plannedOn } };
}

export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** A URL-safe name from the title, unique among existing slugs (`-2`, `-3`… when taken). */
function slugOf(title: string): string {
  // The page addresses take `^[a-z][a-z0-9-]{0,62}$`: a letter first, and room for a `-NN` suffix.
  const base = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (/^[a-z]/.test(base) ? base : `project-${base}`).slice(0, 56).replace(/-+$/, '');
}

interface ProjectRow {
  id: string | number; slug: string; title: string; summary: string; department: string; budget_minor: string | number | null; currency: string;
  budget_line: string | null; place: string | null; latitude: number | null; longitude: number | null; status: ProjectStatus; progress: number;
  created_at: Date | string; updated_at: Date | string; milestones: { id: number; title: string; planned_on: string; done_on: string | null }[] | string;
  updates: { at: string; status: ProjectStatus; progress: number; text: string }[] | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());
const json = <T>(v: T | string): T => (typeof v === 'string' ? JSON.parse(v) as T : v);

const SELECT = `select p.*,
  coalesce((select json_agg(json_build_object('id', m.id, 'title', m.title, 'planned_on', to_char(m.planned_on, 'YYYY-MM-DD'), 'done_on', to_char(m.done_on, 'YYYY-MM-DD')) order by m.planned_on, m.id)
            from transparency_milestone m where m.project_id = p.id), '[]'::json) as milestones,
  coalesce((select json_agg(json_build_object('at', u.at, 'status', u.status, 'progress', u.progress, 'text', u.text) order by u.at desc, u.id desc)
            from transparency_project_update u where u.project_id = p.id), '[]'::json) as updates
  from transparency_project p`;

function projectOf(r: ProjectRow): Project {
  return {
    id: Number(r.id), slug: r.slug, title: r.title, summary: r.summary, department: r.department,
    budgetMinor: r.budget_minor === null ? null : Number(r.budget_minor), currency: r.currency, budgetLine: r.budget_line,
    place: r.place, latitude: r.latitude, longitude: r.longitude, status: r.status, progress: r.progress,
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
    milestones: json(r.milestones).map((m) => ({ id: Number(m.id), title: m.title, plannedOn: m.planned_on, doneOn: m.done_on })),
    updates: json(r.updates).map((u) => ({ at: iso(u.at), status: u.status, progress: u.progress, text: u.text })),
  };
}

export async function listProjects(q: Queryable): Promise<Project[]> {
  const { rows } = await q.query<ProjectRow>(`${SELECT} order by p.department, p.title, p.id`);
  return rows.map(projectOf);
}

/** Every project's address, name and department only: what lists of topics need, without milestones and updates. */
export async function listProjectNames(q: Queryable): Promise<{ slug: string; title: string; department: string }[]> {
  const { rows } = await q.query<{ slug: string; title: string; department: string }>('select slug, title, department from transparency_project order by department, title, id');
  return rows;
}

export async function getProject(q: Queryable, slug: string): Promise<Project | null> {
  const { rows } = await q.query<ProjectRow>(`${SELECT} where p.slug = $1`, [slug]);
  return rows[0] ? projectOf(rows[0]) : null;
}

/** Creates a project (planned, 0 %); returns its slug. `actor` is the event's actor (`staff:<id>`). */
export async function createProject(db: Database, project: NewProject, actor: string): Promise<string> {
  return db.transaction(async (tx) => {
    const base = slugOf(project.title);
    const { rows: taken } = await tx.query<{ slug: string }>(`select slug from transparency_project where slug = $1 or slug like $2`, [base, `${base}-%`]);
    const used = new Set(taken.map((r) => r.slug));
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    await tx.query(
      `insert into transparency_project (slug, title, summary, department, budget_minor, budget_line, place, latitude, longitude, status, progress)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned', 0)`,
      [slug, project.title, project.summary, project.department, project.budgetMinor, project.budgetLine, project.place, project.latitude, project.longitude],
    );
    await appendEvent(tx, { type: 'project.created', actor, data: { project: slug, title: project.title, department: project.department, budgetMinor: project.budgetMinor } });
    return slug;
  });
}

/** Records a progress update: the project's status and progress change, and the update joins its public history. */
export async function recordProjectUpdate(db: Database, slug: string, update: { status: ProjectStatus; progress: number; text: string }, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string | number }>(
      `update transparency_project set status = $2, progress = $3, updated_at = now() where slug = $1 returning id`, [slug, update.status, update.progress]);
    if (!rows[0]) return false;
    await tx.query(`insert into transparency_project_update (project_id, status, progress, text) values ($1, $2, $3, $4)`, [rows[0].id, update.status, update.progress, update.text]);
    await appendEvent(tx, { type: 'project.updated', actor, data: { project: slug, status: update.status, progress: update.progress } });
    return true;
  });
}

export async function addMilestone(db: Database, slug: string, milestone: { title: string; plannedOn: string }, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string | number }>(
      `insert into transparency_milestone (project_id, title, planned_on) select id, $2, $3::date from transparency_project where slug = $1 returning id`, [slug, milestone.title, milestone.plannedOn]);
    if (!rows[0]) return false;
    await tx.query('update transparency_project set updated_at = now() where slug = $1', [slug]);
    await appendEvent(tx, { type: 'project.milestone-planned', actor, data: { project: slug, milestone: Number(rows[0].id), title: milestone.title, plannedOn: milestone.plannedOn } });
    return true;
  });
}

/** Marks a milestone of the project reached on `doneOn`; false when the project has no such milestone. */
export async function completeMilestone(db: Database, slug: string, milestoneId: number, doneOn: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string | number }>(
      `update transparency_milestone m set done_on = $3::date from transparency_project p
       where p.slug = $1 and m.project_id = p.id and m.id = $2 returning m.id`, [slug, milestoneId, doneOn]);
    if (!rows[0]) return false;
    await tx.query('update transparency_project set updated_at = now() where slug = $1', [slug]);
    await appendEvent(tx, { type: 'project.milestone-reached', actor, data: { project: slug, milestone: milestoneId, doneOn } });
    return true;
  });
}

/** The demo municipality's projects, created once (by slug) so `npm start` shows the pages filled. */
export async function seedDemoProjects(db: Database): Promise<void> {
  const { rows } = await db.query<{ n: string | number }>('select count(*) as n from transparency_project');
  if (Number(rows[0]!.n) > 0) return;
  const park = await createProject(db, { title: 'Riverside park renewal', summary: 'New paths, lighting and play areas along the river, with trees replanted where the old ones were lost.', department: 'planning', budgetMinor: 185_000_000, budgetLine: null, place: 'Riverside park', latitude: 41.3896, longitude: 2.1862 }, 'demo');
  await addMilestone(db, park, { title: 'Design agreed with residents', plannedOn: '2026-03-31' }, 'demo');
  await addMilestone(db, park, { title: 'Works start', plannedOn: '2026-06-15' }, 'demo');
  await addMilestone(db, park, { title: 'Park reopens', plannedOn: '2027-05-01' }, 'demo');
  const parkNow = await getProject(db, park);
  await completeMilestone(db, park, parkNow!.milestones[0]!.id, '2026-04-10', 'demo');
  await completeMilestone(db, park, parkNow!.milestones[1]!.id, '2026-07-01', 'demo');
  await recordProjectUpdate(db, park, { status: 'in-progress', progress: 45, text: 'Paths and lighting on the north side are finished; the play areas are being built.' }, 'demo');
  const licences = await createProject(db, { title: 'Online business licences', summary: 'Every business licence applied for, renewed and paid online, decided within five working days.', department: 'licensing', budgetMinor: 32_000_000, budgetLine: null, place: null, latitude: null, longitude: null }, 'demo');
  await addMilestone(db, licences, { title: 'Renewals online', plannedOn: '2026-09-30' }, 'demo');
  await addMilestone(db, licences, { title: 'New licences online', plannedOn: '2027-03-31' }, 'demo');
  const licencesNow = await getProject(db, licences);
  await completeMilestone(db, licences, licencesNow!.milestones[0]!.id, '2026-10-20', 'demo');
  await recordProjectUpdate(db, licences, { status: 'in-progress', progress: 60, text: 'Renewals are online; new applications follow in spring.' }, 'demo');
}
