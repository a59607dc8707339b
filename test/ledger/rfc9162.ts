/**
 * An independent RFC 9162 verifier for the tests, written from the RFC's text (§2.1.1–2.1.4) and deliberately
 * importing nothing from src/ledger: the Merkle Tree Hash by its recursive definition, and the two verification
 * algorithms exactly as the RFC states them.
 */
import { createHash } from 'node:crypto';

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const leafHash = (leaf: Buffer): Buffer => sha(Buffer.from([0]), leaf);
const nodeHash = (l: Buffer, r: Buffer): Buffer => sha(Buffer.from([1]), l, r);

/** MTH(D[n]) by the recursive definition of §2.1.1. */
export function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k << 1 < leaves.length) k <<= 1;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** §2.1.3.2. */
export function verifyInclusion(leafIndex: number, treeSize: number, leaf: Buffer, path: readonly Buffer[], root: Buffer): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      // "If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = nodeHash(r, p);
    }
    // "Finally, right-shift both fn and sn one time."
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

/** §2.1.4.2. */
export function verifyConsistency(first: number, second: number, firstHash: Buffer, secondHash: Buffer, consistency: readonly Buffer[]): boolean {
  if (first === second) return consistency.length === 0 && firstHash.equals(secondHash);
  if (first === 0 || first > second) return false;
  const path = (first & (first - 1)) === 0 ? [firstHash, ...consistency] : [...consistency];
  let fn = first - 1;
  let sn = second - 1;
  while ((fn & 1) === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  if (path.length === 0) return false;
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && fr.equals(firstHash) && sr.equals(secondHash);
}
