-- Updates to citizens (issue 18, src/engagement/updates-*.ts): news that staff publish about a service, a department
-- or a project, and the e-mail subscriptions to them; plus per-message headers on the notification outbox (RFC 8058's
-- List-Unsubscribe and List-Unsubscribe-Post travel with each subscribed message).

create table engagement_news (
  id bigserial primary key,
  -- What the news is about: a catalogue service, an organisation department, or a project.
  topic_kind text not null check (topic_kind in ('service', 'department', 'project')),
  topic_id text not null,
  title text not null,
  summary text not null,
  body text not null,
  -- Staff id of the author (who is accountable for it), and the name shown under it.
  author_id text not null,
  author_name text not null,
  published_at timestamptz not null default now()
);
create index engagement_news_topic on engagement_news (topic_kind, topic_id, published_at desc, id desc);

-- One subscription of one e-mail address to one topic. The address is personal data: it lives only in the vault
-- (privacy_record, under the subject `subscriber`), this row holds its reference. Double opt-in: 'pending' until the
-- link in the confirmation e-mail is used; 'ended' when unsubscribed (the vault record is erased then).
create table engagement_subscription (
  id bigserial primary key,
  topic_kind text not null check (topic_kind in ('service', 'department', 'project')),
  topic_id text not null,
  address_ref text not null,
  -- The subject of the vault record, erased on unsubscribe.
  subject text not null,
  status text not null default 'pending' check (status in ('pending', 'active', 'ended')),
  -- SHA-256 of the confirmation token (the token itself is only in the e-mail).
  confirm_hash text not null unique,
  -- The unsubscribe token goes into every message to this subscriber, so it is kept as it is (a capability for
  -- this one row, not personal data).
  unsubscribe_token text not null unique,
  created_at timestamptz not null default now(),
  confirmed_at timestamptz,
  ended_at timestamptz
);
create index engagement_subscription_topic on engagement_subscription (topic_kind, topic_id) where status = 'active';

alter table notification_outbox add column headers jsonb not null default '{}';
