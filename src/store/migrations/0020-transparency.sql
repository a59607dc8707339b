-- Projectors (src/store/projector.ts) and the transparency read model (src/transparency/, issue 17).
--
-- A projector follows event_log through the engine's exported view process_event with a cursor of its own: the
-- (tx_id, id) position of the last event it applied, moved in the same transaction as the rows it wrote, so an
-- event is applied exactly once whatever crashes; `for update skip locked` on its row lets only one process apply
-- a batch at a time. Rebuilding truncates the projector's tables and resets its row.
create table projector_cursor (
  name text primary key,
  -- every event with tx_id < horizon has been applied; within tx_id = horizon, those with id <= horizon_id
  horizon xid8 not null default '0'::xid8,
  horizon_id bigint not null default 0,
  applied bigint not null default 0,
  -- the highest event id applied, to say which signed tree head covers the figures
  last_event_id bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- One row per case of a catalogued service: no names, no answers, no references (no personal data), only the
-- service, its department, dates and the outcome. Durations are kept per case so medians and percentiles are exact.
create table transparency_case (
  instance_id bigint primary key,
  service_id text not null,
  department text not null,
  received_at timestamptz not null,
  sla_due_at timestamptz,
  decided_at timestamptz,
  outcome text check (outcome in ('approved', 'refused')),
  withdrawn_at timestamptz,
  ended_at timestamptz,
  -- a person worked a task on it (false = straight-through)
  human_task boolean not null default false
);
create index transparency_case_service on transparency_case (service_id, received_at);
create index transparency_case_department on transparency_case (department, received_at);
