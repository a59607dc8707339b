/**
 * The web edge shared by every server-rendered page (portal, workbench, admin, verification): escaping HTML
 * templates, the GOV.UK-pattern page layout, forms from Camunda Forms (form-js) schemas, security headers and
 * assets. It knows nothing about cases or services.
 */
export { escapeHtml, html, SafeHtml } from './html.js';
export type { HtmlValue } from './html.js';
export { renderRegistryRecords } from './registry-records.js';
export { configureSite, page, SITE_NAME } from './layout.js';
export { DEFAULT_TIME_ZONE, formatDateTime, siteTimeZone } from './time-zone.js';
export type { NavigationItem, PageOptions } from './layout.js';
export { answersToInput, displayAnswer, fields, FIELD_TYPES, parseFormSchema, validateAnswers } from './form-schema.js';
export type { Answers, FieldComponent, FieldError, FieldType, FieldValidation, FormComponent, FormSchema, RawInput, SchemaProblem, TextComponent } from './form-schema.js';
export { errorMessageFor, fieldWording, labelIsAName } from './error-messages.js';
export type { ErrorKind, FieldWording } from './error-messages.js';
export { probeFormErrors } from './error-probes.js';
export type { ProbedError } from './error-probes.js';
export { renderErrorSummary, renderField, renderFormFields } from './form-render.js';
export type { RenderOptions } from './form-render.js';
export { acceptMultipartForms, APP_CSP, APP_SECURITY_HEADERS, formBody, formFiles, formText, htmlPageEdge, PARAM, paramsSchema, parseCookies, parseForm, readGovukAsset, readMultipart, SECURITY_HEADERS, useHtmlPageEdge, useReaderLanguage } from './http.js';
export type { FormBody, HtmlPageEdgeOptions, IncomingFile, MultipartLimits } from './http.js';
export { htmlErrorHandler, PageError, pageNotFound, sessionExpired } from './page-error.js';
export type { HtmlErrorOptions } from './page-error.js';
export { errorPageDocument, isPageAddress } from './error-pages.js';
export { pageToComeBackTo, redirectToSignIn, signInAddress } from './sign-in-address.js';
export type { SignInArea } from './sign-in-address.js';
export { SITE_CSS } from './site-css.js';
export { appShellPlugin, isStatusPage, MANIFEST_PATH, OFFLINE_PATH, SERVICE_WORKER_PATH, STATUS_PAGES, webManifest } from './app-shell.js';
export { iconPng, iconSvg } from './app-icon.js';
