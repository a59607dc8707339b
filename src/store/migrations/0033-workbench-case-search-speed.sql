-- 0033: the case search over 100,000 cases (issue 20, acceptance 1: ≥ 500 searches/s, p99 < 100 ms).
--
-- A reference is looked up as a clerk on the telephone hears it: the whole reference, its beginning ("BP-2026"), or
-- its end (the number alone, "900123"), whatever the case and punctuation the clerk types. `reference_key` is the
-- reference without punctuation in capitals; a b-tree on it answers the beginning and one on its reverse the end,
-- each as a range scan. A substring anywhere (`ilike '%…%'`) read every row of the index; a trigram index would
-- keep that, but needs the pg_trgm extension loaded by every embedded database and installed on every server, for
-- matches no clerk asks for (the middle of a reference is a year or part of a number).
alter table workbench_case_index
  add column reference_key text generated always as (upper(regexp_replace(coalesce(reference, ''), '[^A-Za-z0-9]+', '', 'g'))) stored;
create index workbench_case_index_reference_start on workbench_case_index (reference_key text_pattern_ops);
create index workbench_case_index_reference_end on workbench_case_index (reverse(reference_key) text_pattern_ops);

-- A search by state, newest first (the page's default order) or by reference, walks one of these in order. Each
-- carries the department scope (groups), the assignee (handlers), the service and the columns the page shows, so
-- the page and the count of a state's matches (up to the page's cap) read the index alone wherever the visibility
-- map allows: sorted by reference, the first matches of a department can lie thousands of entries in.
create index workbench_case_index_status_started on workbench_case_index (status, started_at desc, instance_id desc)
  include (groups, handlers, process_key, reference, ended_at, assignees);
create index workbench_case_index_status_reference on workbench_case_index (status, reference, instance_id)
  include (groups, handlers, process_key, started_at, ended_at, assignees);

-- The department scope is a filter, not an index: a department sees a large share of all cases (half of them, for
-- planning and intake in the bench), and the planner combined a bitmap of that share with every other criterion's,
-- which cost more (7-20 ms) than reading the other criterion's matches and checking their groups. Every search has
-- another criterion, since the page searches nothing until one is given.
drop index workbench_case_index_groups;
