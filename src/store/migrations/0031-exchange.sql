-- 0028: exchange between agencies (issue 25, src/exchange/): X-Road REST message protocol, both directions.
-- This govflow's own member key and certificate (the private key sealed under the master key), the peers it trusts
-- (each member's certificate and address, as X-Road's global configuration would hand them out), the services it
-- publishes with their OpenAPI descriptions, who may call them, and the message log of every call both ways.

create table exchange_member_key (
  member_id text primary key,
  certificate text not null,
  private_key_box text not null,
  created_at timestamptz not null default now()
);

create table exchange_peer (
  member_id text primary key,
  base_url text not null,
  certificate text not null,
  fingerprint text not null,
  added_by text not null,
  added_at timestamptz not null default now()
);

create table exchange_service (
  service_code text primary key,
  title text not null,
  kind text not null check (kind in ('start-process', 'message', 'case-status')),
  target text not null,
  openapi jsonb not null,
  published_by text not null,
  published_at timestamptz not null default now()
);

-- One row per grant; a revocation ends it (revoked_at) so who had access when stays answerable.
create table exchange_access (
  id bigserial primary key,
  service_code text not null references exchange_service (service_code),
  client_id text not null,
  granted_by text not null,
  granted_at timestamptz not null default now(),
  revoked_by text,
  revoked_at timestamptz
);
create unique index exchange_access_current on exchange_access (service_code, client_id) where revoked_at is null;

-- Bodies (and X-Road-UserId, personal data) are sealed (sealSecret under the master key) and erased past keep_until; hashes and signatures stay, and
-- go to the event log (the ledger) as `exchange.message` events.
create table exchange_message (
  id bigserial primary key,
  direction text not null check (direction in ('in', 'out')),
  xroad_id text not null,
  client_id text not null,
  service_id text not null,
  method text not null,
  path text not null,
  issue text,
  request_hash text not null,
  request_signature text,
  request_box text,
  status integer,
  error_type text,
  response_hash text,
  response_signature text,
  response_content_type text,
  response_box text,
  created_at timestamptz not null default now(),
  answered_at timestamptz,
  keep_until timestamptz not null
);
-- One answer per X-Road-Id and client: a retry gets the logged answer again. A refusal or fault of X-Road itself
-- (error_type set) is not the service's answer, so it leaves the index and a retry after a grant is a new try.
create unique index exchange_message_once on exchange_message (direction, client_id, xroad_id) where error_type is null;
