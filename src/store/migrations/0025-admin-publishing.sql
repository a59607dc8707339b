-- 0025: a publishing workflow for the catalogue's service text (src/admin/publishing-routes.ts,
-- src/catalogue/service-publishing.ts). An admin's save becomes a draft that citizens do not see; a second admin
-- reviews it and approves (it is published) or sends it back. Rows stay never updated nor deleted: a version's
-- `draft` flag is set once when it is saved, and the review is a row of its own.

-- Versions saved before this migration were published when saved: they keep `draft = false`.
alter table admin_service_version add column draft boolean not null default false;

-- At most one decision per draft: approved (published then) or returned to its author with a note.
create table admin_service_review (
  service_id text not null,
  version integer not null,
  decision text not null check (decision in ('approved', 'returned')),
  actor text not null,
  note text not null default '',
  created_at timestamptz not null default now(),
  primary key (service_id, version),
  foreign key (service_id, version) references admin_service_version (service_id, version)
);
