// Shared by the access-log test files: a valid record and the check that a refusal names its field.
import type { AccessRecord } from '../../src/privacy/index.js';

export const validAccess: AccessRecord = {
  subject: 'person-kim', actor: 'staff:pat', receiverCode: 'demo-municipality', receiverName: 'Demo Municipality',
  receiverSystem: 'govflow-workbench', action: 'case.viewed', dataCategories: ['name'], purpose: 'case handling',
};
export const ACCESS_TEXT_FIELDS = ['subject', 'actor', 'receiverCode', 'receiverName', 'receiverSystem', 'action', 'purpose'] as const;
export const refusedNaming = (field: string) => (e: Error & { code?: string; details?: Array<{ where: string }> }): boolean =>
  e.code === 'GOVFLOW_ERR_VALIDATION' && e.message.includes(field) && e.details?.[0]?.where === field;
