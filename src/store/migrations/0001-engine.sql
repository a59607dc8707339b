-- 0001: the process engine and the event log.
-- Conventions: tables are the engine's private storage; other folders read them through the views at the end
-- (and through module functions), so the engine can reshape its tables without breaking the ledger or mining.

create table deployment (
  id bigserial primary key,
  name text not null,
  created_at timestamptz not null default now()
);

-- Every file deployed (BPMN, DMN, form), kept byte for byte so a definition can always be shown as deployed.
create table deployment_resource (
  id bigserial primary key,
  deployment_id bigint not null references deployment(id),
  name text not null,
  kind text not null check (kind in ('bpmn', 'dmn', 'form', 'other')),
  checksum text not null,
  content text not null
);

create table process_definition (
  id bigserial primary key,
  key text not null,
  version integer not null check (version > 0),
  name text,
  checksum text not null,
  deployment_id bigint not null references deployment(id),
  resource_name text not null,
  -- The compiled, validated model the engine executes; the XML stays in deployment_resource.
  model jsonb not null,
  deployed_at timestamptz not null default now(),
  unique (key, version)
);

-- Decisions deployed with processes (DMN). The DMN XML stays in deployment_resource; one row per decision.
create table decision_definition (
  id bigserial primary key,
  key text not null,
  version integer not null check (version > 0),
  name text,
  checksum text not null,
  deployment_id bigint not null references deployment(id),
  resource_id bigint not null references deployment_resource(id),
  deployed_at timestamptz not null default now(),
  unique (key, version)
);

create table process_instance (
  id bigserial primary key,
  definition_id bigint not null references process_definition(id),
  process_key text not null,
  business_key text,
  state text not null check (state in ('active', 'completed', 'terminated')),
  -- Tokens, scopes, join counters: the engine's private execution state, rewritten in each step's transaction.
  execution jsonb not null,
  variables jsonb not null default '{}',
  parent_instance_id bigint references process_instance(id),
  parent_element_instance text,
  -- Sequence number of the newest event of this instance; events are numbered 1, 2, 3… without gaps.
  last_seq integer not null default 0,
  started_at timestamptz not null,
  ended_at timestamptz
);
create index process_instance_definition on process_instance (definition_id, state);
create index process_instance_parent on process_instance (parent_instance_id) where parent_instance_id is not null;
create index process_instance_business_key on process_instance (business_key) where business_key is not null;

-- The spine of the platform. Every state change appends here in the same transaction.
-- tx_id lets the ledger seal in commit order: an event is safe to seal once its transaction is older than
-- every transaction still running (pg_snapshot_xmin), without any global lock on writers.
create table event_log (
  id bigserial primary key,
  instance_id bigint references process_instance(id),
  seq integer,
  type text not null,
  element_id text,
  element_instance text,
  actor text,
  occurred_at timestamptz not null,
  data jsonb not null default '{}',
  tx_id xid8 not null default pg_current_xact_id(),
  unique (instance_id, seq),
  check ((instance_id is null) = (seq is null))
);
create index event_log_type on event_log (type, occurred_at);

-- Work for workers: external-worker service tasks, internal handlers run off the request path, and timers.
create table job (
  id bigserial primary key,
  instance_id bigint references process_instance(id),
  definition_id bigint not null references process_definition(id),
  element_id text not null,
  element_instance text,
  kind text not null check (kind in ('task', 'timer')),
  type text not null,
  state text not null check (state in ('ready', 'locked', 'failed')),
  retries integer not null,
  due_at timestamptz not null,
  lock_owner text,
  lock_expires_at timestamptz,
  headers jsonb not null default '{}',
  -- For timers: the cycle still to run (ISO 8601 repeating interval), if any.
  timer_cycle text,
  error_message text,
  created_at timestamptz not null,
  -- Stable across retries and re-locks, so a worker can make its side effect happen once per job.
  idempotency_key text not null unique
);
create index job_ready on job (kind, type, due_at) where state = 'ready';
create index job_locked on job (lock_expires_at) where state = 'locked';
create index job_instance on job (instance_id);

create table user_task (
  id bigserial primary key,
  instance_id bigint not null references process_instance(id),
  definition_id bigint not null references process_definition(id),
  element_id text not null,
  element_instance text not null,
  name text,
  state text not null check (state in ('created', 'completed', 'cancelled')),
  assignee text,
  candidate_groups text[] not null default '{}',
  candidate_users text[] not null default '{}',
  form_key text,
  due_at timestamptz,
  follow_up_at timestamptz,
  priority integer not null default 50,
  input jsonb not null default '{}',
  created_at timestamptz not null,
  completed_at timestamptz,
  completed_by text,
  unique (instance_id, element_instance)
);
create index user_task_open on user_task (state, due_at) where state = 'created';
create index user_task_groups on user_task using gin (candidate_groups);

-- Waits for messages and signals: by running instances (catch events, receive tasks, boundaries, event
-- sub-processes) and by definitions (message and signal start events: instance_id is null).
create table event_subscription (
  id bigserial primary key,
  kind text not null check (kind in ('message', 'signal')),
  name text not null,
  correlation_key text,
  instance_id bigint references process_instance(id),
  definition_id bigint not null references process_definition(id),
  element_id text not null,
  element_instance text,
  created_at timestamptz not null
);
create index event_subscription_lookup on event_subscription (kind, name, correlation_key);
create index event_subscription_instance on event_subscription (instance_id);

-- A message published before anyone waits for it is kept here until its time to live runs out.
create table message_buffer (
  id bigserial primary key,
  name text not null,
  correlation_key text,
  message_id text unique,
  variables jsonb not null default '{}',
  expires_at timestamptz not null,
  created_at timestamptz not null
);
create index message_buffer_lookup on message_buffer (name, correlation_key, expires_at);

create table incident (
  id bigserial primary key,
  instance_id bigint not null references process_instance(id),
  element_id text not null,
  element_instance text,
  job_id bigint,
  kind text not null,
  message text not null,
  state text not null check (state in ('open', 'resolved')),
  created_at timestamptz not null,
  resolved_at timestamptz
);
create index incident_open on incident (instance_id) where state = 'open';

-- The public face of the event log for other modules (ledger, mining, dashboards, timelines).
create view process_event as
  select e.id, e.instance_id, e.seq, e.type, e.element_id, e.element_instance, e.actor, e.occurred_at, e.data, e.tx_id,
         i.process_key, i.definition_id, i.business_key
  from event_log e left join process_instance i on i.id = e.instance_id;
