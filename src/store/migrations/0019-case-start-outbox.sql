-- 0019-case-start-outbox (issue 14, reads never write): the case-start loop (src/portal/case-starts.ts,
-- PortalStore.submissionsWithoutCase) asks every 15 s in every process for the submissions still without a case,
-- oldest first: `where instance_id is null and submitted_at < … order by submitted_at, id limit N`. Nearly every row
-- has its case, so without an index the planner reads the whole table each round; this partial index holds only the
-- rows waiting for their case (normally none), already in the loop's order.
create index portal_submission_without_case on portal_submission (submitted_at, id) where instance_id is null;

-- The portal's own session table from 0002 has been unused since the web edge got one session system (identity's
-- identity_session, src/identity/sessions.ts): no statement in src/ names it any more.
drop table portal_session;
