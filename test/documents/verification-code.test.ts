// Verification codes: the format people type, checked as a parser with fast-check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CODE_ALPHABET, newVerificationCode, parseVerificationCode } from '../../src/documents/index.js';

const CANONICAL = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

describe('verification codes', () => {
  it('the alphabet has 32 unambiguous characters (no 0, O, 1, I), so 12 of them carry 60 bits', () => {
    assert.equal(new Set(CODE_ALPHABET).size, 32);
    for (const c of '01IO') assert.ok(!CODE_ALPHABET.includes(c));
    assert.equal(12 * Math.log2(CODE_ALPHABET.length), 60);
  });

  it('new codes are canonical, parse to themselves and do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const code = newVerificationCode();
      assert.match(code, CANONICAL);
      assert.equal(parseVerificationCode(code), code);
      seen.add(code);
    }
    assert.equal(seen.size, 5000);
    // Every character of the alphabet turns up in every position (a biased generator would miss some).
    const codes = [...seen].map((c) => c.replace(/-/g, ''));
    for (let pos = 0; pos < 12; pos++) assert.equal(new Set(codes.map((c) => c[pos])).size, 32, `position ${pos}`);
  });

  it('any typed text parses to null or a canonical code (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => {
      const parsed = parseVerificationCode(text);
      if (parsed !== null) assert.match(parsed, CANONICAL);
    }), { numRuns: 2000 });
  });

  it('case, spaces and dashes are forgiven; other characters are not guessed at (property)', () => {
    const char = fc.constantFrom(...CODE_ALPHABET);
    fc.assert(fc.property(fc.array(char, { minLength: 12, maxLength: 12 }), fc.array(fc.constantFrom(' ', '-', ''), { minLength: 12, maxLength: 12 }), fc.boolean(), (chars, seps, lower) => {
      const canonical = `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
      let typed = chars.map((c, i) => c + seps[i]).join('');
      if (lower) typed = typed.toLowerCase();
      assert.equal(parseVerificationCode(typed), canonical);
      for (const bad of ['0', 'O', '1', 'I', '!']) assert.equal(parseVerificationCode(bad + typed.slice(1)), null);
      assert.equal(parseVerificationCode(typed + chars[0]), null);
    }), { numRuns: 500 });
  });
});
