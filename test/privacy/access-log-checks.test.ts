/**
 * The access log's input checks (src/privacy/access-log.ts through privacy's index), field by field at their limits:
 * no database at all, so `npm run mutate -- privacy` kills their mutants in seconds. What a recorded read stores
 * is in access-log.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAccess, recordAccess, recordInstanceAccess, type AccessRecord } from '../../src/privacy/index.js';
import type { Queryable } from '../../src/store/index.js';
import { ACCESS_TEXT_FIELDS as TEXT_FIELDS, refusedNaming, validAccess as valid } from './access-log-support.js';

// No database: every query fails with this error. A refused input must be refused before any statement runs; an
// accepted one gets as far as the first query, which is how the tests below see that it passed the checks.
const PASSED = 'no database here: the input passed the checks';
const noDatabase: Queryable = {
  query: () => Promise.reject(new Error(PASSED)),
  exec: () => Promise.reject(new Error(PASSED)),
};
const passedChecks = (e: Error): boolean => {
  assert.equal(e.message, PASSED);
  return true;
};

describe('privacy access log: refused input', () => {
  it('refuses each text field empty, blank, over 500 characters or not a string, naming it', async () => {
    for (const field of TEXT_FIELDS) {
      for (const bad of ['', '   ', 'x'.repeat(501), 42]) {
        await assert.rejects(recordAccess(noDatabase, { ...valid, [field]: bad } as AccessRecord), refusedNaming(field, 'is required'), `${field} = ${String(bad).slice(0, 5)}`);
      }
    }
  });

  it('refuses bad data categories, references and dates, naming them', async () => {
    for (const dataCategories of [['name', ''], ['x'.repeat(101)], [7], 'name']) {
      await assert.rejects(recordAccess(noDatabase, { ...valid, dataCategories } as unknown as AccessRecord), refusedNaming('dataCategories', 'is not valid'));
    }
    for (const reference of ['r'.repeat(501), 12]) {
      await assert.rejects(recordAccess(noDatabase, { ...valid, reference } as unknown as AccessRecord), refusedNaming('reference', 'is not valid'));
    }
    for (const at of [new Date('not a date'), '2026-01-01']) {
      await assert.rejects(recordAccess(noDatabase, { ...valid, at } as unknown as AccessRecord), refusedNaming('at', 'is not a date'));
    }
    await assert.rejects(recordInstanceAccess(noDatabase, [], 1, { ...valid, receiverSystem: ' ' }), refusedNaming('receiverSystem', 'is required'));
  });

  it('refuses a page with a negative or fractional offset, or a limit outside 1–1000, naming it', async () => {
    for (const offset of [-1, 1.5]) await assert.rejects(listAccess(noDatabase, 'person-list', { offset }), refusedNaming('offset', 'is not valid'));
    for (const limit of [0, 1001, 2.5]) await assert.rejects(listAccess(noDatabase, 'person-list', { limit }), refusedNaming('limit', 'is not valid'));
  });
});

describe('privacy access log: input at its limits passes the checks', () => {
  it('every text field at 500 characters, categories of 100 or none, a reference of 500, null or none, a valid date or none', async () => {
    for (const field of TEXT_FIELDS) await assert.rejects(recordAccess(noDatabase, { ...valid, [field]: 'y'.repeat(500) }), passedChecks, field);
    const accepted: Partial<AccessRecord>[] = [
      { dataCategories: [] }, { dataCategories: ['c'.repeat(100)] }, { reference: 'r'.repeat(500) }, { reference: null }, { reference: undefined },
      { at: new Date('2026-01-02T03:04:05Z') }, { at: undefined },
    ];
    for (const change of accepted) await assert.rejects(recordAccess(noDatabase, { ...valid, ...change }), passedChecks, JSON.stringify(change));
    await assert.rejects(recordInstanceAccess(noDatabase, [], 1, { ...valid, reference: null }), passedChecks);
  });

  it('a page from offset 0 with a limit of 1 or 1000, or none', async () => {
    for (const page of [{ offset: 0, limit: 1 }, { limit: 1000 }, {}]) await assert.rejects(listAccess(noDatabase, 'person-list', page), passedChecks, JSON.stringify(page));
  });
});
