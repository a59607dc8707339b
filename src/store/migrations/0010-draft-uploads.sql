-- 0010-draft-uploads (issue 5): files a citizen uploads on question pages are stored before the application is
-- sent, as case_upload rows without a reference (a draft upload: owner = citizen:<id>, service_id, upload_key =
-- the filepicker's key); the draft's answer holds their ids and the submission gives them its reference.
-- case_upload (0008) already allows that; this index serves the lookups of a citizen's draft uploads (question
-- page, check your answers, replacing a file, and the clean-up when the case starts or retention erases it).
create index case_upload_draft on case_upload (owner, service_id) where reference is null;
