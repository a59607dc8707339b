-- Registries and notifications (issue 5).

-- govflow's own key for signing requests to other agencies' registries; the private half sealed under the
-- master key (sealSecret), so the table alone cannot sign.
create table registry_client_key (
  key_id text primary key,
  public_key text not null,
  private_key_box text not null,
  created_at timestamptz not null default now()
);

-- The notification outbox: rows are inserted in the caller's transaction (no e-mail for a rolled-back change)
-- and delivered by the sender, which claims them with FOR UPDATE SKIP LOCKED.
create table notification_outbox (
  id bigserial primary key,
  template text not null,
  template_version integer not null,
  recipient text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  instance_id bigint,
  -- A job retried after a crash enqueues its message once.
  idempotency_key text unique,
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  provider_message_id text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index notification_outbox_due on notification_outbox (next_attempt_at) where status = 'queued';
create index notification_outbox_instance on notification_outbox (instance_id) where instance_id is not null;
