-- Personal-data protection (src/privacy/): who accessed whose data, and national identifiers encrypted at rest.
-- See docs/privacy.md.

-- One row per read of a person's data by staff, an API client or a registry connector. The citizen's
-- "Who has seen my data" and GET /api/v2/findUsage read it per person, newest first. The data itself is never here.
create table personal_data_access (
  id bigserial primary key,
  subject text not null,
  actor text not null,
  receiver_code text not null,
  receiver_name text not null,
  receiver_system text not null,
  action text not null,
  data_categories text[] not null default '{}',
  purpose text not null,
  reference text,
  logtime timestamptz not null default now(),
  event_id bigint
);
create index personal_data_access_subject on personal_data_access (subject, logtime desc, id desc);

-- Data keys of the identifier vault (envelope encryption): each AES-256 key is stored sealed under the master key.
-- Exactly one is current; older ones stay to read rows not yet re-encrypted.
create table privacy_data_key (
  key_id integer primary key,
  wrapped text not null,
  created_at timestamptz not null default now(),
  current boolean not null default false
);
create unique index privacy_data_key_one_current on privacy_data_key (current) where current;

-- One identifier (a national ID number, a passport number) of a person. `blind_index` is an HMAC of the value
-- under a key derived from the master key, so a lookup by value needs no decryption and the plain value is never stored.
create table privacy_identifier (
  person_id text not null,
  kind text not null,
  key_id integer not null references privacy_data_key (key_id),
  ciphertext text not null,
  blind_index text not null,
  updated_at timestamptz not null default now(),
  primary key (person_id, kind)
);
create index privacy_identifier_lookup on privacy_identifier (kind, blind_index);
create index privacy_identifier_key on privacy_identifier (key_id);

-- Cases whose personal data the retention job erased (so it is done once, and the export can say so).
create table privacy_erasure (
  instance_id bigint primary key,
  subject text,
  rule text not null,
  erased_at timestamptz not null default now(),
  event_id bigint
);
