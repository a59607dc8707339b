/**
 * The ledger: every event of the event log is sealed, in commit order, as a leaf of an append-only RFC 9162 Merkle
 * tree; signed tree heads, inclusion and consistency proofs, checkpoints, full verification and sealing health.
 * See docs/ledger.md.
 */
export { createSealer, sealPending, sealRound } from './sealer.js';
export type { Sealer, SealerOptions, SealResult } from './sealer.js';
export {
  DEFAULT_ORIGIN,
  checkpointBody,
  checkpointsSince,
  exportCheckpoint,
  formatCheckpoint,
  generateSigner,
  keyIdOf,
  latestTreeHead,
  loadOrCreateSigner,
  publicKeys,
  publishTreeHead,
  signerFromPrivateKey,
  verifyTreeHead,
} from './tree-head.js';
export type { LedgerSigner, TreeHead } from './tree-head.js';
export { installNextSigner, nextSignerFile, prepareNextSigner } from './key-rotation.js';
export { getConsistencyProof, getInclusionProof, getRootHash } from './proofs.js';
export type { ConsistencyProof, InclusionProof } from './proofs.js';
export { verifyLedger } from './verify.js';
export type { BadEntry, VerifyOptions, VerifyReport } from './verify.js';
export { assertLedgerCurrent, createWriteGuard, ledgerHealth } from './health.js';
export type { LedgerHealth, LedgerLimits, WriteGuard } from './health.js';
export { eraseEventData } from './erasure.js';
export { ERASED_DATA, LEAF_FORMAT } from './leaf.js';
export { hashChildren, hashLeaf, verifyConsistency, verifyInclusion } from './merkle.js';
