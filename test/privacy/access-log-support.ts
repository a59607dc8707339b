// Shared by the access-log test files: a valid record and the check that a refusal names its field.
import assert from 'node:assert/strict';
import type { AccessRecord } from '../../src/privacy/index.js';

export const validAccess: AccessRecord = {
  subject: 'person-kim', actor: 'staff:pat', receiverCode: 'demo-municipality', receiverName: 'Demo Municipality',
  receiverSystem: 'govflow-workbench', action: 'case.viewed', dataCategories: ['name'], purpose: 'case handling',
};
export const ACCESS_TEXT_FIELDS = ['subject', 'actor', 'receiverCode', 'receiverName', 'receiverSystem', 'action', 'purpose'] as const;
/** A validation error naming `field` in its message and as its one detail, with the detail's wording. */
export const refusedNaming = (field: string, detail: string) => (e: Error & { code?: string; details?: unknown }): boolean => {
  assert.equal(e.code, 'GOVFLOW_ERR_VALIDATION', e.message);
  assert.ok(e.message.includes(field), e.message);
  assert.deepEqual(e.details, [{ where: field, message: detail }]);
  return true;
};
