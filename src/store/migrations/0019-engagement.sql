-- Citizen engagement (issue 18, src/engagement/): problem reports from the citizen page and Open311 clients
-- (FixMyStreet and others), each the start of a problem-report case; the updates clients post about them; a photo
-- a citizen uploaded. The report's status is never stored here: it is read from its case (process_event), so the
-- workbench, SLAs and Open311 can never disagree.

create sequence engagement_report_seq;

create table engagement_report (
  -- The Open311 service_request_id.
  id bigint primary key default nextval('engagement_report_seq'),
  -- For the Open311 tokens/{token} call (services of type batch answer with it instead of the id).
  token text not null unique,
  jurisdiction_id text not null,
  service_code text not null,
  description text not null default '',
  lat double precision,
  long double precision,
  address text,
  address_id text,
  zipcode text,
  -- The reporter's contact as the client sent it; never returned by GET requests (they are public).
  contact jsonb not null default '{}',
  media_url text,
  -- attribute code -> value, or a list of values for a multivaluelist.
  attributes jsonb not null default '{}',
  -- 'open311' (an API client, client_id its key's client) or 'web' (the citizen page, citizen_id who signed in).
  channel text not null check (channel in ('open311', 'web')),
  client_id text,
  citizen_id text,
  -- The case; null only between the insert and the start in the same request (see engagement.ts).
  instance_id bigint,
  requested_at timestamptz not null default now()
);
create index engagement_report_window on engagement_report (jurisdiction_id, requested_at desc, id desc);
create index engagement_report_nearby on engagement_report (service_code, lat, long);
create index engagement_report_instance on engagement_report (instance_id);

create table engagement_update (
  id bigserial primary key,
  report_id bigint not null references engagement_report (id),
  status text not null,
  description text not null default '',
  media_url text,
  -- The client's own id of the update (FixMyStreet's update_id): a repeated post is the same update.
  client_id text,
  external_id text,
  updated_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  unique (client_id, external_id)
);
create index engagement_update_time on engagement_update (updated_at);

create table engagement_photo (
  report_id bigint primary key references engagement_report (id),
  media_type text not null,
  bytes bytea not null,
  sha256 text not null
);
