-- Personal records in the vault (issue 13): a population-registry person record, a household member's record, any
-- personal value a case needs, encrypted like the identifiers (AES-256-GCM under a data key of privacy_data_key,
-- token + subject + kind as associated data). Everything else (process variables, events, answers) holds only the
-- token `vault:<token>`; pages and PDFs open it when they show it, and the read is logged against `subject`.
create table privacy_record (
  token text primary key,
  -- The person whose data it is (the access log's subject when it is read); not the applicant of the case.
  subject text not null,
  kind text not null,
  -- The case it was collected for: retention erases a case's records with the case.
  instance_id bigint,
  key_id integer not null references privacy_data_key (key_id),
  ciphertext text not null,
  created_at timestamptz not null default now()
);
create index privacy_record_subject on privacy_record (subject);
create index privacy_record_instance on privacy_record (instance_id) where instance_id is not null;
create index privacy_record_key on privacy_record (key_id);
