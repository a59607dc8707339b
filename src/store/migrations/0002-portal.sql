-- 0002: the citizen portal (src/portal/): sessions, draft answers, submissions pinned to a form version, and the
-- sequence behind human-friendly references such as BP-2026-000123. The portal reads the engine only through its API.

-- A browser session: anonymous until the citizen signs in (demo sign-in until issue 6 brings real identity).
create table portal_session (
  id text primary key,
  citizen_id text,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);

-- Answers given so far, one draft per citizen and service (save and return); page_versions pins each page's answers
-- to the checksum of the form they were given with.
create table portal_draft (
  citizen_id text not null,
  service_id text not null,
  answers jsonb not null default '{}'::jsonb,
  page_versions jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (citizen_id, service_id)
);

-- One row per submitted application. The token (from the check-answers form) makes a double submit one case.
create sequence portal_reference_seq;

create table portal_submission (
  id bigserial primary key,
  token text not null unique,
  reference text not null unique,
  citizen_id text not null,
  service_id text not null,
  process_key text not null,
  instance_id bigint,
  -- Set by the request that starts the case (cleared if the start fails), so two requests never start two cases.
  start_claimed_at timestamptz,
  answers jsonb not null,
  form_versions jsonb not null,
  submitted_at timestamptz not null default now()
);
create index portal_submission_citizen on portal_submission (citizen_id, submitted_at desc);
