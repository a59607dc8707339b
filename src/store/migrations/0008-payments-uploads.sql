-- 0008-payments-uploads (issue 5): fee payments through a payment provider, housing-benefit payment schedules,
-- and documents citizens upload with their case.

-- One row per payment attempt. A declined attempt stays; the citizen retries with a new row. At most one
-- attempt per case can succeed (the partial unique index); a second success (two tabs) is refunded.
create table payment (
  id text primary key,                           -- our id: messageId of the payment-received message
  reference text not null,                       -- the case reference (correlation key)
  amount_minor bigint not null check (amount_minor > 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  description text not null,
  provider text not null,
  provider_ref text,
  state text not null check (state in ('created', 'succeeded', 'declined', 'refunded')),
  message_sent_at timestamptz,                   -- when payment-received was published (null: still to do)
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index payment_reference on payment (reference, created_at);
create unique index payment_one_success on payment (reference) where state = 'succeeded';

-- The built-in test provider's own record of its hosted payments (a real provider keeps this on its side).
create table payment_test_session (
  id text primary key,
  amount_minor bigint not null,
  currency text not null,
  description text not null,
  return_url text not null,
  state text not null check (state in ('created', 'succeeded', 'declined', 'refunded')),
  created_at timestamptz not null
);

-- Benefit payments due (record-payment-schedule job): one row per instalment.
create table payment_schedule (
  instance_id bigint not null,
  reference text not null,
  instalment int not null check (instalment > 0),
  due_on date not null,
  amount_minor bigint not null check (amount_minor >= 0),
  currency text not null,
  created_at timestamptz not null,
  primary key (instance_id, instalment)
);

-- Uploaded documents, stored with the case. The file name is kept only as a label: it is never used as a path.
create table case_upload (
  id bigserial primary key,
  reference text,                                -- null while the upload belongs to a draft
  owner text not null,                           -- actor that uploaded it (citizen:<id>)
  service_id text not null,
  upload_key text not null,                      -- the upload field (documents rule key)
  filename text not null,
  media_type text not null check (media_type in ('application/pdf', 'image/png', 'image/jpeg')),
  size_bytes int not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  created_at timestamptz not null
);
create index case_upload_reference on case_upload (reference);
