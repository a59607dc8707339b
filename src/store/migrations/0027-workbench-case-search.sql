-- The workbench's case search (issue 20): one row per case, fed by the workbench's projector from the event log
-- (src/workbench/case-search.ts), so that a clerk finds a case in any state — open, waiting for the applicant,
-- waiting for payment, closed, withdrawn — with one indexed query instead of a scan of the log.
--
-- No name or address is kept here in plain text: `name_tokens` and `address_tokens` are the vault's blind index
-- (HMAC-SHA-256 under a key derived from the master key) of each normalised word, so a search compares HMACs.
create table workbench_case_index (
  instance_id bigint primary key,
  reference text,
  process_key text not null,
  status text not null check (status in ('open', 'waiting-applicant', 'waiting-payment', 'closed', 'withdrawn')),
  started_at timestamptz not null,
  ended_at timestamptz,
  -- every candidate group a task of the case was ever for: the department scope, as the case page checks it
  groups text[] not null default '{}',
  -- who holds an open task of the case now, and everyone who ever held one (the search's "assigned to")
  assignees text[] not null default '{}',
  handlers text[] not null default '{}',
  name_tokens text[] not null default '{}',
  address_tokens text[] not null default '{}',
  -- open tasks (element id -> assignee) and the elements where the case waits: the projector's working state
  open_tasks jsonb not null default '{}',
  waiting text[] not null default '{}'
);
create index workbench_case_index_started on workbench_case_index (started_at desc, instance_id desc);
create index workbench_case_index_reference on workbench_case_index (reference);
create index workbench_case_index_groups on workbench_case_index using gin (groups);
create index workbench_case_index_names on workbench_case_index using gin (name_tokens);
create index workbench_case_index_addresses on workbench_case_index using gin (address_tokens);
create index workbench_case_index_handlers on workbench_case_index using gin (handlers);

-- A staff member's saved searches: a name and the search's query string (no personal data: a name searched for is
-- not kept, see src/workbench/search-routes.ts).
create table workbench_saved_filter (
  id bigserial primary key,
  actor text not null,
  name text not null,
  query text not null,
  created_at timestamptz not null default now(),
  unique (actor, name)
);
