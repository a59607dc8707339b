/**
 * govflow's few rules after GOV.UK Frontend's stylesheet (served as one file, `/assets/govuk-frontend.min.css`, so
 * no page needs another request or an inline style the content security policy would refuse).
 *
 * Tables on a phone (issue 23, the 320/375 px sweep): GOV.UK's tables size to their content, so a list with a long
 * reference, an e-mail address or several columns pushed the whole page sideways. Below GOV.UK's tablet break point
 * a table takes the page's width and its cells wrap anywhere instead; the table stays a table for screen readers
 * (no change of `display`), and nothing scrolls sideways. Status tags and code (a long address in a link) wrap too.
 *
 * Every rule here uses logical properties (`inline-start`, `block-end`), never left/right, so a right-to-left
 * language needs only its catalogue (the pseudo-RTL test checks).
 */
export const SITE_CSS = `
.govflow-language-switcher ul { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 0 15px; margin-block: 10px 0; padding-inline-start: 0; }
.govflow-language-switcher__item { margin-block-end: 0; }
@media (max-width: 40.0525em) {
  .govuk-table { table-layout: fixed; width: 100%; }
  .govuk-table__header, .govuk-table__cell { overflow-wrap: anywhere; padding-inline-end: 8px; }
  .govuk-table .govuk-button { min-width: 0; max-width: 100%; }
  .govuk-tag { max-width: 100%; overflow-wrap: anywhere; }
  .govuk-body code, .govuk-link code, .govuk-list code { overflow-wrap: anywhere; }
  .bio-properties-panel-group-header-buttons { flex-wrap: wrap; min-width: 0; }
}
`;
