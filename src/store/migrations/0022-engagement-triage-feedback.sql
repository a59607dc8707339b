-- Citizen engagement, second part (issue 18): the triage classifier's staff corrections (its training data beyond
-- the catalogue, so what staff taught it survives a restart), citizens' satisfaction with a decision (GOV.UK's
-- five levels and a comment), and formal complaints, each the start of a complaint case whose steps are its status.

create table engagement_triage_correction (
  id bigserial primary key,
  -- The text the classifier guessed for and the category staff say it is.
  text text not null,
  category text not null,
  guessed text,
  -- What was corrected ('report:12', 'complaint:3'), or null for a text taught without a subject.
  subject text,
  staff_id text not null,
  corrected_at timestamptz not null default now()
);

create table engagement_feedback (
  id bigserial primary key,
  -- What the feedback is about: 'case:<reference>' (a decision) or 'report:<id>' (a closed problem report).
  subject text not null,
  -- 1 very dissatisfied .. 5 very satisfied (GOV.UK's satisfaction scale).
  rating smallint not null check (rating between 1 and 5),
  comment text not null default '',
  -- The citizen who gave it: once per subject and citizen.
  citizen_id text not null,
  given_at timestamptz not null default now(),
  unique (subject, citizen_id)
);
create index engagement_feedback_time on engagement_feedback (given_at);

create table engagement_complaint (
  id bigserial primary key,
  -- 'case' (a case reference) or 'service' (a catalogue service id).
  subject_kind text not null check (subject_kind in ('case', 'service')),
  subject text not null,
  department text not null,
  description text not null,
  -- How to reach the complainant: a vault reference (vault:pd1_…), never the contact itself.
  contact text,
  citizen_id text not null,
  instance_id bigint,
  made_at timestamptz not null default now()
);
create index engagement_complaint_citizen on engagement_complaint (citizen_id, id desc);
create index engagement_complaint_time on engagement_complaint (made_at);
