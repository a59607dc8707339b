-- Languages kept (issue 21): the language a citizen applied in, with the submission, so a case the start loop
-- starts later (after a crash or a failed first start) speaks it in its e-mails and letter as the first try would;
-- and the language a person or staff member last chose, with the account, so a sign-in on a browser that has not
-- chosen one opens in it (GOV.UK switcher first, then the account, then Accept-Language). Null: never chosen.
alter table portal_submission add column language text;
alter table identity_person add column language text;
alter table identity_staff add column language text;
