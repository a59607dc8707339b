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

// A refused record or page must be refused before any statement runs: the checks are given a connection that fails
// every query, so a check that lets bad input through fails the test instead of reaching a database.
const refusesEveryQuery: Queryable = {
  query: () => Promise.reject(new Error('the input should have been refused before any query')),
  exec: () => Promise.reject(new Error('the input should have been refused before any statement')),
};

describe('privacy access log: refused input', () => {
  it('refuses each text field empty, blank, over 500 characters or not a string, naming it', async () => {
    for (const field of TEXT_FIELDS) {
      for (const bad of ['', '   ', 'x'.repeat(501), 42]) {
        await assert.rejects(recordAccess(refusesEveryQuery, { ...valid, [field]: bad } as AccessRecord), refusedNaming(field), `${field} = ${String(bad).slice(0, 5)}`);
      }
    }
  });

  it('refuses bad data categories, references and dates, naming them', async () => {
    for (const dataCategories of [['name', ''], ['x'.repeat(101)], [7], 'name']) {
      await assert.rejects(recordAccess(refusesEveryQuery, { ...valid, dataCategories } as unknown as AccessRecord), refusedNaming('dataCategories'));
    }
    for (const reference of ['r'.repeat(501), 12]) {
      await assert.rejects(recordAccess(refusesEveryQuery, { ...valid, reference } as unknown as AccessRecord), refusedNaming('reference'));
    }
    for (const at of [new Date('not a date'), '2026-01-01']) {
      await assert.rejects(recordAccess(refusesEveryQuery, { ...valid, at } as unknown as AccessRecord), refusedNaming('at'));
    }
    await assert.rejects(recordInstanceAccess(refusesEveryQuery, [], 1, { ...valid, receiverSystem: ' ' }), refusedNaming('receiverSystem'));
  });

  it('refuses a page with a negative or fractional offset, or a limit outside 1–1000, naming it', async () => {
    for (const offset of [-1, 1.5]) await assert.rejects(listAccess(refusesEveryQuery, 'person-list', { offset }), refusedNaming('offset'));
    for (const limit of [0, 1001, 2.5]) await assert.rejects(listAccess(refusesEveryQuery, 'person-list', { limit }), refusedNaming('limit'));
  });
});

