-- 0026: the assistant (src/assistant/, issue 19). A conversation is keyed by a random id (for a citizen who is not
-- signed in, knowing it is what lets them read it back); every message's text, sources and actions, and the
-- conversation's working context (the service talked about, the decision inputs understood), are sealed in the
-- privacy vault (`vault:pd1_…` references, subject `assistant:<id>`) because people type personal data into
-- questions. Kinds and ratings stay plain: the managers' figures count them without opening anything. Conversations
-- are deleted after their retention period (GOVFLOW_ASSISTANT_RETENTION_DAYS) unless an enquiry is still open.

create table assistant_conversation (
  id text primary key,
  number bigint generated always as identity unique,
  citizen_id text,
  language text not null default 'en',
  context text,
  started_at timestamptz not null default now(),
  last_at timestamptz not null default now(),
  department text,
  enquiry_instance_id bigint
);
create index assistant_conversation_citizen on assistant_conversation (citizen_id, last_at desc);
create index assistant_conversation_last on assistant_conversation (last_at);

create table assistant_message (
  id bigint generated always as identity primary key,
  conversation_id text not null references assistant_conversation (id) on delete cascade,
  role text not null check (role in ('citizen', 'assistant')),
  kind text check (kind in ('answer', 'status', 'handover', 'decline', 'clarify')),
  body text not null,
  service_id text,
  rating text check (rating in ('helpful', 'not-helpful')),
  created_at timestamptz not null default now()
);
create index assistant_message_conversation on assistant_message (conversation_id, id);
