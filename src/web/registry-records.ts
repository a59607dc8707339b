import { html, type SafeHtml } from './html.js';

/** The fields of a registry person record shown to staff, in this order. */
const FIELDS: readonly (readonly [string, string])[] = [['name', 'Name'], ['nationalId', 'National identity number'], ['birthDate', 'Date of birth'], ['address', 'Address']];

interface Row { readonly who: string; readonly record: Record<string, unknown> }

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The registry records a case refers to (the registry connector keeps them in the vault; `revealed` holds them
 * opened, `original` the `vault:` references): the applicant's and each household member's, as the population
 * registry gave them. Only variables that held a reference are shown, so nothing typed is presented as registry data.
 */
export function renderRegistryRecords(original: Record<string, unknown>, revealed: Record<string, unknown>, isRef: (v: unknown) => boolean, labels: { readonly applicant: string; readonly caption: string }): SafeHtml | '' {
  const rows: Row[] = [];
  for (const [name, value] of Object.entries(original)) {
    const opened = revealed[name];
    if (!isRecord(value) || !isRecord(opened)) continue;
    if (isRef(value['record']) && isRecord(opened['record'])) rows.push({ who: labels.applicant, record: opened['record'] });
    const members = Array.isArray(value['householdMembers']) ? value['householdMembers'] : [];
    const openedMembers = Array.isArray(opened['householdMembers']) ? opened['householdMembers'] : [];
    members.forEach((m: unknown, i: number) => {
      const o: unknown = openedMembers[i];
      if (isRecord(m) && isRef(m['record']) && isRecord(o) && isRecord(o['record'])) rows.push({ who: `Household member (${typeof o['relation'] === 'string' ? o['relation'] : 'member'})`, record: o['record'] });
    });
  }
  if (rows.length === 0) return '';
  return html`<h2 class="govuk-heading-m">From the population registry</h2>
<table class="govuk-table" id="registry-records"><caption class="govuk-table__caption govuk-table__caption--s">${labels.caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Person</th>${FIELDS.map(([, label]) => html`<th scope="col" class="govuk-table__header">${label}</th>`)}</tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${r.who}</th>${FIELDS.map(([key]) => html`<td class="govuk-table__cell">${typeof r.record[key] === 'string' ? String(r.record[key]) : ''}</td>`)}</tr>`)}</tbody></table>`;
}
