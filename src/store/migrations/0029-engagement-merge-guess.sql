-- Problem reports (issue 18, src/engagement): a report staff merged into another (its reporter follows the main
-- report; its own case is cancelled as a duplicate), and a category the classifier guessed for a citizen who did not
-- know it (shown to triage to confirm or correct).
alter table engagement_report add column merged_into bigint references engagement_report (id);
alter table engagement_report add column merged_at timestamptz;
alter table engagement_report add column category_guessed boolean not null default false;
-- A merged report points at a report that is not itself merged (no chains), and never at itself.
alter table engagement_report add constraint engagement_report_not_self check (merged_into is null or merged_into <> id);
create index engagement_report_merged_into on engagement_report (merged_into) where merged_into is not null;
