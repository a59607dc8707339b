-- 0004: identity and access (src/identity/): the organisation (agencies, departments, staff and their role in each
-- department), citizens (persons, keyed by their eID provider's subject) and the businesses they represent, browser
-- sessions, API clients of other agencies' systems, and sign-in attempts (rate limits and lockout shared by every
-- process on the database). Secrets are never stored in clear: session ids and API keys as SHA-256, passwords as
-- argon2id, TOTP secrets sealed under the master key.

create table identity_agency (
  id text primary key,
  name text not null
);

create table identity_department (
  id text primary key,
  agency_id text not null references identity_agency(id),
  name text not null
);

create table identity_staff (
  id text primary key,
  username text not null unique,
  name text not null,
  email text,
  password_hash text not null,
  -- The TOTP secret, sealed (AES-GCM) under the master key.
  totp_secret_sealed text not null,
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

create table identity_membership (
  staff_id text not null references identity_staff(id) on delete cascade,
  department_id text not null references identity_department(id),
  role text not null check (role in ('caseworker', 'manager', 'admin', 'auditor')),
  primary key (staff_id, department_id, role)
);

-- A citizen, keyed by the identity provider's issuer and subject (`sub`); no national id number is kept here.
create table identity_person (
  id text primary key,
  issuer text not null,
  subject text not null,
  name text not null,
  email text,
  created_at timestamptz not null default now(),
  unique (issuer, subject)
);

create table identity_person_business (
  person_id text not null references identity_person(id) on delete cascade,
  business_code text not null,
  primary key (person_id, business_code)
);

-- A browser session: anonymous (CSRF only) until someone signs in. `id_hash` is SHA-256 of the cookie's random id,
-- so a copy of this table cannot be replayed as cookies. `pending_staff_id` marks a password-checked staff member
-- who has not yet given their TOTP code.
create table identity_session (
  id_hash text primary key,
  csrf_token text not null,
  principal_kind text check (principal_kind in ('citizen', 'staff')),
  principal_id text,
  pending_staff_id text,
  -- An OpenID Connect sign-in under way: state, nonce, PKCE verifier and where to return (deleted when it ends).
  oidc_flow jsonb,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index identity_session_expiry on identity_session (expires_at);

create table identity_api_client (
  id text primary key,
  name text not null,
  -- The first characters of the key, shown in lists so an admin can tell keys apart; the key itself is only hashed.
  key_prefix text not null,
  key_hash text not null unique,
  roles text[] not null,
  services text[] not null default '{}',
  created_at timestamptz not null default now(),
  created_by text,
  revoked_at timestamptz
);

-- One row per failed sign-in, by account key and by client address; counted over a window for lockout.
create table identity_sign_in_attempt (
  id bigserial primary key,
  account_key text not null,
  ip text not null,
  at timestamptz not null default now()
);
create index identity_sign_in_attempt_account on identity_sign_in_attempt (account_key, at);
create index identity_sign_in_attempt_ip on identity_sign_in_attempt (ip, at);
