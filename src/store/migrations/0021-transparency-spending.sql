-- Spending, contracts and money figures for the transparency pages (src/transparency/, issue 17).
--
-- Budget lines and payments are imported from CSV (`govflow transparency import-spending`), public contracts too
-- (`import-contracts`): each import is one transaction that upserts by the record's own identifier, so importing a
-- corrected file again replaces the rows it names. Nothing personal: suppliers are organisations.
create table transparency_spending (
  -- 'budget' (a budget line, amount allocated for the year) or 'payment' (money actually spent)
  record text not null check (record in ('budget', 'payment')),
  id text not null,
  -- the budget line a payment is charged to (for a budget row: its own id)
  budget_line text not null,
  department text not null,
  description text not null,
  financial_year integer not null,
  occurred_on date,
  amount_minor bigint not null,
  currency text not null,
  supplier text,
  contract_id text,
  imported_at timestamptz not null default now(),
  primary key (record, id)
);
create index transparency_spending_line on transparency_spending (budget_line, record);

create table transparency_contract (
  id text primary key,
  title text not null,
  description text not null,
  department text not null,
  supplier_name text not null,
  -- the supplier's identifier in a company register (scheme-id, e.g. NL-KVK-12345678), if known
  supplier_id text,
  procurement_method text not null check (procurement_method in ('open', 'selective', 'limited', 'direct')),
  amount_minor bigint not null,
  currency text not null,
  date_signed date not null,
  period_start date,
  period_end date,
  status text not null check (status in ('pending', 'active', 'cancelled', 'terminated')),
  -- when the row was imported or last changed by an import (the OCDS release date)
  updated_at timestamptz not null default now()
);

-- What govflow itself knows, kept by the transparency projector from the event log (rebuilt with the rest):
-- fees paid (payment.succeeded, minus payment.refunded) and benefit instalments scheduled (the
-- record-payment-schedule job's output), per service. One row per payment / instalment so a refund or a replay
-- changes exactly one row; pages read only aggregates.
create table transparency_fee (
  payment_id text primary key,
  service_id text not null,
  paid_at timestamptz not null,
  amount_minor bigint not null,
  currency text not null,
  refunded_at timestamptz
);
create table transparency_benefit (
  instance_id bigint not null,
  instalment integer not null,
  service_id text not null,
  due_on date not null,
  amount_minor bigint not null,
  currency text not null,
  primary key (instance_id, instalment)
);
-- Payments name their case by reference only; the projector keeps a digest of it to find the service (a join key,
-- never published). Cases projected before this migration get it on `govflow transparency rebuild`.
alter table transparency_case add column reference_digest bytea;
create index transparency_case_reference on transparency_case (reference_digest);
