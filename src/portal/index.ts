/** The citizen portal: server-rendered GOV.UK-style pages over the catalogue and the engine's public API. */
export { createPortalPlugin } from './portal-plugin.js';
export { createActionEmailProjector } from './action-emails.js';
export type { ActionEmailOptions } from './action-emails.js';
export type { PortalOptions } from './portal-plugin.js';
export { caseDocuments, checkUpload, displayFilename, listUploads, readUpload } from './uploads.js';
export type { CheckedUpload, StoredUpload } from './uploads.js';
export { answerText, checkPageFiles, fileAnswerInput, formatSize, pageFileRules, readMultipart, typesFromAccept } from './question-uploads.js';
export type { IncomingFile, PageFileRule, UploadSummary } from './question-uploads.js';
export { applicantContact, caseStartVariables, isApplicant } from './submission-hooks.js';
export type { OnSubmitted, SubmittedCase } from './submission-hooks.js';
export { seedSubmittedCases } from './seed-cases.js';
export { paymentScheduleOf } from './payment-pages.js';
export type { ScheduledPayment } from './payment-pages.js';
export type { SeedCasesOptions, SeededCase } from './seed-cases.js';
export { portalPersonalData } from './personal-data.js';
export { createCaseStarts } from './case-starts.js';
export type { CaseStarts } from './case-starts.js';
