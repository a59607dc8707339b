-- Citizen engagement, part two (issue 18, src/engagement/proposals-*.ts, discussion-*.ts): proposals that citizens
-- support, the answer case a proposal starts at its threshold, debates with threaded comments, abuse reports and
-- moderation. People appear here only by their person id (the eID subject, as engagement_report.citizen_id) and the
-- public display name they chose or were given; no e-mail or national id is stored here (those stay in the vault).

-- Whoever takes part publicly: a number assigned once (the derived name "Resident 12") and the name they chose.
create table engagement_participant (
  citizen_id text primary key,
  number bigint generated always as identity unique,
  display_name text check (display_name is null or char_length(display_name) between 2 and 40),
  created_at timestamptz not null default now()
);

create table engagement_proposal (
  id bigint generated always as identity primary key,
  citizen_id text not null references engagement_participant (citizen_id),
  topic text not null,
  department text not null,
  title text not null,
  body text not null,
  -- Supports so far: kept with the support rows in one transaction (the row lock orders concurrent supports, so
  -- exactly one of them sees the threshold reached and claims the answer case).
  supports integer not null default 0,
  threshold integer not null check (threshold > 0),
  -- Set once by the support that reached the threshold; the case's id once it started (null between the two only
  -- if the start failed, and the next support or the pending loop starts it).
  answer_claimed_at timestamptz,
  instance_id bigint,
  hidden_at timestamptz,
  hidden_reason text,
  created_at timestamptz not null default now()
);
create index engagement_proposal_recent on engagement_proposal (created_at desc, id desc);
create index engagement_proposal_instance on engagement_proposal (instance_id);

-- One support per proposal and verified person: the primary key is the rule, whatever the page or API did.
create table engagement_support (
  proposal_id bigint not null references engagement_proposal (id),
  citizen_id text not null,
  supported_at timestamptz not null default now(),
  primary key (proposal_id, citizen_id)
);

-- A debate under a topic, or the discussion of one proposal (proposal_id set, at most one per proposal).
create table engagement_debate (
  id bigint generated always as identity primary key,
  topic text not null,
  proposal_id bigint unique references engagement_proposal (id),
  citizen_id text references engagement_participant (citizen_id),
  title text not null,
  body text not null default '',
  hidden_at timestamptz,
  hidden_reason text,
  created_at timestamptz not null default now()
);
create index engagement_debate_topic on engagement_debate (topic, created_at desc);

create table engagement_comment (
  id bigint generated always as identity primary key,
  debate_id bigint not null references engagement_debate (id),
  parent_id bigint references engagement_comment (id),
  -- A citizen (citizen_id, shown by display name) or staff (staff_id, shown as an official reply of department).
  citizen_id text references engagement_participant (citizen_id),
  staff_id text,
  staff_name text,
  department text,
  body text not null,
  hidden_at timestamptz,
  hidden_reason text,
  created_at timestamptz not null default now(),
  check ((citizen_id is null) <> (staff_id is null))
);
create index engagement_comment_debate on engagement_comment (debate_id, id);
create index engagement_comment_author on engagement_comment (citizen_id, created_at);

create table engagement_abuse_report (
  id bigint generated always as identity primary key,
  target_kind text not null check (target_kind in ('proposal', 'debate', 'comment')),
  target_id bigint not null,
  reporter_id text not null,
  reason text not null,
  created_at timestamptz not null default now(),
  -- Set when a moderator hid or kept the item; the decision itself is on the event log.
  resolved_at timestamptz,
  unique (target_kind, target_id, reporter_id)
);
create index engagement_abuse_open on engagement_abuse_report (resolved_at, created_at);
