-- 0013: staff sign-in as a bank's would be (issue 13). A TOTP code is accepted once only (the last accepted time
-- step is kept per account); an initial or reset password must be changed at first sign-in; staff may enrol
-- passkeys (WebAuthn) besides or instead of an authenticator app; the first administrator of a real deployment is
-- created with a one-time enrolment link (stored hashed, valid 24 hours, used once).

alter table identity_staff add column totp_last_step bigint;
alter table identity_staff add column password_change_required boolean not null default false;
-- An account created for enrolment has no authenticator until its holder enrols one.
alter table identity_staff alter column totp_secret_sealed drop not null;

-- What a half-finished sign-in still needs: null (the TOTP code, as before) or 'new-password' (a forced change).
alter table identity_session add column pending_step text check (pending_step in ('new-password'));
-- The WebAuthn challenge of a passkey ceremony under way on this session (registration or sign-in), used once.
alter table identity_session add column webauthn_challenge text;

-- A staff member's passkey: the credential id and public key (COSE, base64url) the authenticator registered.
create table identity_passkey (
  credential_id text primary key,
  staff_id text not null references identity_staff(id) on delete cascade,
  public_key text not null,
  counter bigint not null default 0,
  transports text[] not null default '{}',
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);
create index identity_passkey_staff on identity_passkey (staff_id);

-- A one-time enrolment link: only the SHA-256 of its token is kept. `used_at` is set when the holder sets their
-- password; the rest of the enrolment (authenticator, passkey) continues on the session that used it.
create table identity_enrolment (
  token_hash text primary key,
  staff_id text not null references identity_staff(id) on delete cascade,
  created_by text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  session_hash text,
  -- The authenticator secret offered on the enrolment page, sealed under the master key until a code confirms it.
  totp_secret_sealed text
);
create index identity_enrolment_staff on identity_enrolment (staff_id);
