-- Signed decisions (issue 6): the agency's Ed25519 signing keys and the decisions issued with them.

-- Every key ever used stays here so that old signatures verify forever; only the private half is secret, and it
-- is sealed under the master key (sealSecret). Exactly one key is active: it signs new decisions.
create table signing_key (
  kid text primary key,
  public_jwk jsonb not null,
  private_key_box text not null,
  active boolean not null default false,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
create unique index signing_key_one_active on signing_key (active) where active;

-- One row per issued decision. The JWS is the proof; the PDF bytes are kept so a re-download is byte-identical.
-- (instance_id, element_instance) makes issuing idempotent: a retried job finds the decision it already issued.
create table signed_decision (
  code text primary key,
  instance_id bigint,
  element_instance text,
  reference text not null,
  service_id text not null,
  decision_type text not null,
  kid text not null references signing_key (kid),
  jws text not null,
  pdf bytea not null,
  issued_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  revoked_by text,
  unique (instance_id, element_instance)
);
create index signed_decision_reference on signed_decision (reference);
