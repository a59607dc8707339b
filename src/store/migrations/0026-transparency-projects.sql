-- Project timelines for the transparency pages (src/transparency/projects*.ts, issue 17), Decidim Accountability
-- style: a public project with its department, budget (optionally a budget line of transparency_spending), place,
-- status, progress and milestones with planned and actual dates, and a public history of updates. Staff edit them;
-- every change is also an event on event_log (`project.*`), appended in the same transaction. Nothing personal:
-- updates are signed by the department, the staff member is only the event's actor.
create table transparency_project (
  id bigserial primary key,
  slug text not null unique,
  title text not null,
  summary text not null,
  department text not null,
  -- planned budget in minor units of `currency`
  budget_minor bigint check (budget_minor is null or budget_minor >= 0),
  currency text not null default 'EUR',
  -- the id of a 'budget' row of transparency_spending the project is paid from, when there is one
  budget_line text,
  place text,
  latitude double precision check (latitude is null or latitude between -90 and 90),
  longitude double precision check (longitude is null or longitude between -180 and 180),
  status text not null check (status in ('planned', 'in-progress', 'paused', 'completed', 'cancelled')),
  progress integer not null check (progress between 0 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table transparency_milestone (
  id bigserial primary key,
  project_id bigint not null references transparency_project (id) on delete cascade,
  title text not null,
  planned_on date not null,
  done_on date
);
create index transparency_milestone_project on transparency_milestone (project_id, planned_on);

create table transparency_project_update (
  id bigserial primary key,
  project_id bigint not null references transparency_project (id) on delete cascade,
  at timestamptz not null default now(),
  status text not null,
  progress integer not null,
  text text not null
);
create index transparency_project_update_project on transparency_project_update (project_id, at desc);
