/**
 * Public contracts as an Open Contracting Data Standard 1.1 release package: one release per contract (tag
 * `contract`), with the buying department and the supplier as parties, the award and the contract. The ocid prefix
 * is the publisher's registered OCDS prefix (`ocds-` + six characters; a demo one by default).
 */
import type { Queryable } from '../store/index.js';
import { departmentSlug } from './figures.js';
import { fromMinor } from './spending-figures.js';

export interface PublicContract {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly department: string;
  readonly supplierName: string;
  readonly supplierId: string | null;
  readonly procurementMethod: 'open' | 'selective' | 'limited' | 'direct';
  readonly amountMinor: number;
  readonly currency: string;
  readonly dateSigned: string;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
  readonly status: 'pending' | 'active' | 'cancelled' | 'terminated';
  readonly updatedAt: string;
}

export async function readContracts(q: Queryable): Promise<PublicContract[]> {
  const { rows } = await q.query<{ id: string; title: string; description: string; department: string; supplier_name: string; supplier_id: string | null; procurement_method: PublicContract['procurementMethod']; amount_minor: string; currency: string; date_signed: string; period_start: string | null; period_end: string | null; status: PublicContract['status']; updated_at: Date | string }>(
    `select id, title, description, department, supplier_name, supplier_id, procurement_method, amount_minor::text, currency,
            to_char(date_signed, 'YYYY-MM-DD') as date_signed, to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end, status, updated_at
     from transparency_contract order by date_signed desc, id`,
  );
  return rows.map((r) => ({
    id: r.id, title: r.title, description: r.description, department: r.department, supplierName: r.supplier_name, supplierId: r.supplier_id,
    procurementMethod: r.procurement_method, amountMinor: Number(r.amount_minor), currency: r.currency, dateSigned: r.date_signed,
    periodStart: r.period_start, periodEnd: r.period_end, status: r.status, updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

export interface OcdsOptions {
  /** Absolute URL of the package itself. */
  readonly uri: string;
  readonly publisher: { readonly name: string; readonly homepage: string; readonly id: string };
  /** The registered OCDS prefix, e.g. `ocds-213czf`. */
  readonly ocidPrefix: string;
  readonly licence: string;
  readonly publishedDate: string;
}

const day = (date: string): string => `${date}T00:00:00Z`;
const AWARD_STATUS = { pending: 'pending', active: 'active', cancelled: 'cancelled', terminated: 'active' } as const;

function release(c: PublicContract, options: OcdsOptions): Record<string, unknown> {
  const buyer = { id: `${options.publisher.id}-${departmentSlug(c.department)}`, name: `${options.publisher.name}: ${c.department}` };
  // A supplier registered somewhere is named by its register (org-id.guide); otherwise by a local id.
  const scheme = c.supplierId?.match(/^([A-Z]{2}-[A-Z0-9]+)-(.+)$/);
  const supplier = { id: c.supplierId ?? `${options.publisher.id}-supplier-${departmentSlug(c.supplierName)}`, name: c.supplierName };
  const value = { amount: Number(fromMinor(c.amountMinor)), currency: c.currency };
  const period = c.periodStart || c.periodEnd ? { period: { ...(c.periodStart ? { startDate: day(c.periodStart) } : {}), ...(c.periodEnd ? { endDate: day(c.periodEnd) } : {}) } } : {};
  return {
    ocid: `${options.ocidPrefix}-${c.id}`,
    // A release id is unique within its ocid; a re-import that changed the contract makes a new release.
    id: `${c.id}-${c.updatedAt.replace(/[^0-9]/g, '').slice(0, 14)}`,
    date: c.updatedAt,
    tag: [c.status === 'terminated' ? 'contractTermination' : 'contract'],
    initiationType: 'tender',
    language: 'en',
    parties: [
      { ...buyer, roles: ['buyer'] },
      { ...supplier, roles: ['supplier'], ...(scheme ? { identifier: { scheme: scheme[1], id: scheme[2], legalName: c.supplierName } } : {}) },
    ],
    buyer,
    tender: { id: `${c.id}-tender`, status: 'complete', procurementMethod: c.procurementMethod },
    awards: [{ id: `${c.id}-award`, title: c.title, status: AWARD_STATUS[c.status], date: day(c.dateSigned), value, suppliers: [supplier] }],
    contracts: [{
      id: c.id, awardID: `${c.id}-award`, title: c.title, ...(c.description ? { description: c.description } : {}),
      status: c.status, value, dateSigned: day(c.dateSigned), ...period,
    }],
  };
}

export function releasePackage(contracts: readonly PublicContract[], options: OcdsOptions): Record<string, unknown> {
  return {
    uri: options.uri,
    version: '1.1',
    publishedDate: options.publishedDate,
    publisher: { name: options.publisher.name, uri: options.publisher.homepage },
    license: options.licence,
    releases: contracts.map((c) => release(c, options)),
  };
}
