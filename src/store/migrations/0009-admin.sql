-- 0009: administration (src/admin/, src/catalogue/catalogue-store.ts): admins' edits of the service catalogue. The
-- catalogue on disk (services/) is the seed; each edit is a new row here and the newest row of a service (or of a
-- service's form page) overrides the file. Rows are never updated or deleted, so every earlier version stays
-- retrievable — the portal pins each submission to the form version it was filled in with.

-- The plain-language fields of a service (title, summary, description, who can apply, documents, fee text,
-- expected time, department, SLA), as one JSON object of the fields that override the file.
create table admin_service_version (
  service_id text not null,
  version integer not null check (version > 0),
  fields jsonb not null,
  actor text,
  created_at timestamptz not null default now(),
  primary key (service_id, version)
);

-- A form (Camunda Forms / form-js JSON) of one question page of a service. `checksum` is the portal's form
-- version: the first 16 hex digits of the SHA-256 of `schema`, as for a form file on disk.
create table admin_form_version (
  service_id text not null,
  page_id text not null,
  version integer not null check (version > 0),
  checksum text not null,
  schema text not null,
  actor text,
  created_at timestamptz not null default now(),
  primary key (service_id, page_id, version)
);
create index admin_form_version_checksum on admin_form_version (service_id, page_id, checksum);
