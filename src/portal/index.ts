/** The citizen portal: the service catalogue and server-rendered GOV.UK-style pages over the engine's public API. */
export { createPortalPlugin, DEMO_CITIZENS } from './portal-plugin.js';
export type { PortalOptions } from './portal-plugin.js';
export { CITIZEN_STATUSES, DEFAULT_CATALOGUE_DIR, loadCatalogue, loadService } from './catalogue.js';
export type { Catalogue, CitizenStatus, Service, ServicePage } from './catalogue.js';
export { citizenStatus, citizenTimeline } from './citizen-status.js';
export type { TimelineEntry } from './citizen-status.js';
export { answersToInput, displayAnswer, parseFormSchema, validateAnswers } from './form-schema.js';
export type { Answers, FieldComponent, FieldError, FormComponent, FormSchema, RawInput } from './form-schema.js';
export { renderErrorSummary, renderField, renderFormFields } from './form-render.js';
export { escapeHtml, html, SafeHtml } from './html.js';
export { describeProcessingTimes } from './processing-time.js';
