/**
 * The service catalogue: each public service's description, process, forms, statuses, SLAs and decisions, read
 * from `services/<id>/`, and the citizen-facing view of a case (status, timeline, measured processing time).
 */
export { CITIZEN_STATUSES, DEFAULT_CATALOGUE_DIR, loadCatalogue, loadService } from './catalogue.js';
export type { Catalogue, CitizenStatus, InformationRequest, Service, ServicePage } from './catalogue.js';
export { citizenStatus, citizenTimeline, explainStatus, TIMELINE_EVENT_TYPES } from './citizen-status.js';
export type { TimelineEntry } from './citizen-status.js';
export { describeProcessingTimes, processingTimes } from './processing-time.js';
export { isIsoDuration, MAX_UPLOAD_BYTES, UPLOAD_TYPES } from './service-rules.js';
export type { ServiceDecisionFile, ServicePayment, ServiceSla, UploadRule, UploadType } from './service-rules.js';
export { readTaskForms, taskFormOf, userTaskFormIds } from './task-forms.js';
export type { TaskForm } from './task-forms.js';
export { formChecksum, getFormVersion, insertFormVersion, insertServiceVersion, listFormVersions, loadCatalogueWithOverrides, parseFormVersion, parseServiceFields, slaTaskField } from './catalogue-store.js';
export type { CatalogueQueryable, FormVersionRow, LiveCatalogue, ServiceFieldError, ServiceFields } from './catalogue-store.js';
export { answersAsShown, composeLetter, fillLetterText, letterDate, parseLetterTemplate } from './letter.js';
export type { LetterLine, LetterTemplate } from './letter.js';
export { letterDecisionWords, letterTexts, letterTranslationProblems, localiseLetter } from './letter-translations.js';
export type { LetterTranslations } from './letter-translations.js';
export { getServiceVersion, listServiceVersions, reviewServiceDraft } from './service-publishing.js';
export type { ReviewRefusal, ServiceReview, ServiceVersionRow, ServiceVersionState } from './service-publishing.js';
export { daysHoursOf, isoFromDaysHours, parseDaysHours } from './sla-days.js';
export type { DaysHours } from './sla-days.js';
export { serviceStartContent } from './service-start.js';
export { SlaTimer, slaClock, workingDays } from './sla-clock.js';
export type { ClockEvent, SlaCounting, SlaReading, SlaTerms } from './sla-clock.js';
export { localiseService, missingTranslations, offeredIn, translatableTexts, translationProblems } from './service-translations.js';
export type { ServiceTranslations } from './service-translations.js';
export { newestCreatedService } from './created-services.js';
export type { CreatedStructure } from './created-services.js';
export { caseDecisionReasons, decisionReasonsInWords, decisionsApplied, decisionTexts, reasonsInWords, valueInWords } from './decision-reasons.js';
export type { DecisionApplied, DecisionReading, DecisionWords, MatchedRule } from './decision-reasons.js';
export { applicantPauses, caseSlaState, serviceCaseSla, slaCounting, slaPauseElements } from './case-sla.js';
export type { CaseSla, Pause, SlaState } from './case-sla.js';
