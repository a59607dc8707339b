/**
 * The ledger's RFC 9162 hashing and proof verification on their own, without a database: every tree size up to 33
 * (so every shape of left-heavy split up to two levels past a power of two), every leaf and every pair of sizes, with
 * proofs built here from the RFC's recursive definitions (§2.1.3.1 PATH, §2.1.4.1 PROOF) and checked against
 * test/ledger/rfc9162.ts, which imports nothing from src/ledger. Runs in well under a second, so mutation testing of
 * the ledger (npm run mutate -- ledger) runs it before the database-backed files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashChildren, hashLeaf, verifyConsistency, verifyInclusion } from '../../src/ledger/index.js';
import * as rfc from './rfc9162.js';

const MAX = 33;
const leaves = Array.from({ length: MAX }, (_, i) => Buffer.from(`leaf ${i}`));

function k(n: number): number {
  let s = 1;
  while (s * 2 < n) s *= 2;
  return s;
}

/** §2.1.3.1: PATH(m, D[n]). */
function path(m: number, d: readonly Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), rfc.mth(d.slice(s))] : [...path(m - s, d.slice(s)), rfc.mth(d.slice(0, s))];
}

/** §2.1.4.1: SUBPROOF(m, D[n], b). */
function subproof(m: number, d: readonly Buffer[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [rfc.mth(d)];
  const s = k(n);
  return m <= s ? [...subproof(m, d.slice(0, s), b), rfc.mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), rfc.mth(d.slice(0, s))];
}

const flip = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c[c.length - 1] = c[c.length - 1]! ^ 1;
  return c;
};

describe('ledger Merkle hashing and proofs (RFC 9162), no database', () => {
  it('hashes leaves and nodes with the RFC domain-separation prefixes', () => {
    assert.deepEqual(hashLeaf(leaves[0]!), rfc.leafHash(leaves[0]!));
    assert.deepEqual(hashLeaf(Buffer.alloc(0)), rfc.mth([Buffer.alloc(0)]));
    const a = rfc.leafHash(leaves[0]!);
    const b = rfc.leafHash(leaves[1]!);
    assert.deepEqual(hashChildren(a, b), rfc.mth(leaves.slice(0, 2)));
    assert.notDeepEqual(hashChildren(b, a), rfc.mth(leaves.slice(0, 2)));
    // The result must not alias a reused buffer: an earlier hash keeps its value after the next call.
    const first = hashChildren(a, b);
    const copy = Buffer.from(first);
    hashChildren(b, a);
    assert.deepEqual(first, copy);
  });

  it('accepts every inclusion proof of every leaf in trees of 1 to 33 leaves, and refuses it altered', () => {
    for (let n = 1; n <= MAX; n++) {
      const d = leaves.slice(0, n);
      const root = rfc.mth(d);
      for (let m = 0; m < n; m++) {
        const p = path(m, d);
        const lh = rfc.leafHash(d[m]!);
        assert.equal(rfc.verifyInclusion(m, n, d[m]!, p, root), true, `reference, leaf ${m} of ${n}`);
        assert.equal(verifyInclusion(lh, m, n, p, root), true, `leaf ${m} of ${n}`);
        assert.equal(verifyInclusion(lh, m, n, p, flip(root)), false, `wrong root, leaf ${m} of ${n}`);
        assert.equal(verifyInclusion(flip(lh), m, n, p, root), false, `wrong leaf, leaf ${m} of ${n}`);
        assert.equal(verifyInclusion(lh, n, n, p, root), false, `index = size, ${n}`);
        assert.equal(verifyInclusion(lh, m + n, n, p, root), false, `index beyond size, ${n}`);
        if (n > 1) {
          // Not always false: for some leaves the RFC's algorithm walks the same path in a tree one larger.
          assert.equal(verifyInclusion(lh, m, n + 1, p, root), rfc.verifyInclusion(m, n + 1, d[m]!, p, root), `size one more, leaf ${m} of ${n}`);
          assert.equal(verifyInclusion(lh, m, n - 1, p, root), rfc.verifyInclusion(m, n - 1, d[m]!, p, root), `size one less, leaf ${m} of ${n}`);
          assert.equal(verifyInclusion(lh, m, n, [...p, p[0]!], root), false, `a hash too many, leaf ${m} of ${n}`);
          assert.equal(verifyInclusion(lh, m, n, p.slice(1), root), false, `first hash missing, leaf ${m} of ${n}`);
          assert.equal(verifyInclusion(lh, m, n, p.slice(0, -1), root), false, `last hash missing, leaf ${m} of ${n}`);
          for (let i = 0; i < p.length; i++) {
            const bad = p.map((h, j) => (j === i ? flip(h) : h));
            assert.equal(verifyInclusion(lh, m, n, bad, root), false, `hash ${i} altered, leaf ${m} of ${n}`);
          }
          if (m + 1 < n) {
            // Another leaf's position with this leaf's proof: must not verify (the path's left/right order differs).
            assert.equal(verifyInclusion(lh, m + 1, n, p, root), rfc.verifyInclusion(m + 1, n, d[m]!, p, root), `leaf ${m} at ${m + 1} of ${n}`);
          }
        } else {
          assert.equal(verifyInclusion(lh, 0, 1, [lh], root), false, 'a one-leaf tree has an empty path');
        }
      }
    }
  });

  it('accepts every consistency proof between sizes 1 to 33, and refuses it altered or between the wrong sizes', () => {
    for (let n = 1; n <= MAX; n++) {
      const d = leaves.slice(0, n);
      const second = rfc.mth(d);
      for (let m = 1; m <= n; m++) {
        const first = rfc.mth(d.slice(0, m));
        const p = m === n ? [] : subproof(m, d, true);
        assert.equal(rfc.verifyConsistency(m, n, first, second, p), true, `reference, ${m} → ${n}`);
        assert.equal(verifyConsistency(m, n, first, second, p), true, `${m} → ${n}`);
        assert.equal(verifyConsistency(m, n, flip(first), second, p), false, `wrong first root, ${m} → ${n}`);
        assert.equal(verifyConsistency(m, n, first, flip(second), p), false, `wrong second root, ${m} → ${n}`);
        assert.equal(verifyConsistency(n + 1, n, first, second, p), false, `first larger, ${m} → ${n}`);
        if (m < n) {
          assert.equal(verifyConsistency(m, n, first, second, [...p, p[0]!]), false, `a hash too many, ${m} → ${n}`);
          assert.equal(verifyConsistency(m, n, first, second, p.slice(0, -1)), false, `last hash missing, ${m} → ${n}`);
          assert.equal(verifyConsistency(m, n, first, second, []), false, `no proof, ${m} → ${n}`);
          for (let i = 0; i < p.length; i++) {
            const bad = p.map((h, j) => (j === i ? flip(h) : h));
            assert.equal(verifyConsistency(m, n, first, second, bad), false, `hash ${i} altered, ${m} → ${n}`);
          }
          assert.equal(verifyConsistency(m, n + 1, first, second, p), rfc.verifyConsistency(m, n + 1, first, second, p), `second size one more, ${m} → ${n}`);
          if (m > 1) {
            const other = rfc.mth(d.slice(0, m - 1));
            assert.equal(verifyConsistency(m - 1, n, other, second, p), rfc.verifyConsistency(m - 1, n, other, second, p), `first size one less, ${m} → ${n}`);
          }
        } else {
          assert.equal(verifyConsistency(m, n, first, second, [first]), false, `equal sizes with a proof, ${m}`);
        }
      }
      // From the empty tree: consistent with anything, with an empty proof only.
      assert.equal(verifyConsistency(0, n, rfc.mth([]), second, []), true, `0 → ${n}`);
      assert.equal(verifyConsistency(0, n, rfc.mth([]), second, [second]), false, `0 → ${n} with a proof`);
    }
    assert.equal(verifyConsistency(0, 0, rfc.mth([]), rfc.mth([]), []), true, '0 → 0');
  });
});
