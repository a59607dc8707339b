-- 0011-submission-instance (issue 5): who a case is about is looked up by its process instance on every logged
-- read of personal data (privacy's subjectOfInstance and recordInstanceAccess: the API's instance reads, the
-- workbench's case page, registry lookups): `where instance_id = $1 order by id limit 1`. Without an index the
-- planner walks portal_submission in id order, filtering, which grows with the table; (instance_id, id) answers
-- it with one index probe, already in order.
create index portal_submission_instance on portal_submission (instance_id, id) where instance_id is not null;
