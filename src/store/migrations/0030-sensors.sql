-- Sensors (issue 22): smart-city observations from NGSI-LD and MQTT, owned by src/sensors/.
-- Latest state per entity (one row per NGSI-LD entity, its normalized attributes as JSON).
create table sensor_entity (
  entity_id text primary key,
  entity_type text not null,
  attrs jsonb not null,
  lon double precision,
  lat double precision,
  observed_at timestamptz,
  created_at timestamptz not null default now(),
  modified_at timestamptz not null default now()
);
create index sensor_entity_type_idx on sensor_entity (entity_type, entity_id);

-- Raw observations, one row per attribute reading, partitioned by month (range on observed_at): retention drops
-- or empties whole months instead of deleting row by row. The idempotency key (entity, attribute, observedAt, or a
-- device's own message id) makes a replayed QoS 1 publish or a retried batch one row. Partitions are created by
-- src/sensors/observation-store.ts for the months written; the default partition holds anything before that runs.
create table sensor_observation (
  entity_id text not null,
  attribute text not null,
  observed_at timestamptz not null,
  value_number double precision,
  value_json jsonb,
  idempotency_key text not null,
  received_at timestamptz not null default now(),
  primary key (idempotency_key, observed_at)
) partition by range (observed_at);
create index sensor_observation_series_idx on sensor_observation (entity_id, attribute, observed_at);
create table sensor_observation_default partition of sensor_observation default;

-- Hourly aggregates of numeric readings: kept after the raw rows are past retention (30 days).
create table sensor_hourly (
  entity_id text not null,
  attribute text not null,
  hour timestamptz not null,
  n integer not null,
  min_value double precision not null,
  max_value double precision not null,
  sum_value double precision not null,
  primary key (entity_id, attribute, hour)
);

-- Cases opened by rules: at most one open case per asset and condition (the partial unique index), so repeats of
-- the same alarm update nothing and a storm of readings opens one case.
create table sensor_case (
  id bigserial primary key,
  entity_id text not null,
  condition text not null,
  instance_id bigint,
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  close_on_recovery boolean not null default false,
  details jsonb not null default '{}'::jsonb
);
create unique index sensor_case_open_idx on sensor_case (entity_id, condition) where closed_at is null;
