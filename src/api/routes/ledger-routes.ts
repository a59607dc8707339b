/** Serves the ledger's JSON API under /api/ledger: tree heads and checkpoints, inclusion and consistency proofs, its keys. */
/**
 * The ledger's HTTP face (issue 6). Reads are public, as Certificate Transparency logs' are: tree heads, proofs,
 * checkpoints and keys reveal hashes and sizes only (personal data is committed with salts, see docs/ledger.md), and
 * anyone must be able to check the log without an account. Publishing a head on demand is for admins and auditors.
 */
import { Type } from '@sinclair/typebox';
import { GovflowError } from '../../kernel/index.js';
import type { Queryable } from '../../store/index.js';
import {
  checkpointsSince, getConsistencyProof, getInclusionProof, latestTreeHead, publicKeys, type TreeHead,
} from '../../ledger/index.js';
import { route, type RouteDefinition } from '../route.js';

/** What the API needs from the running ledger: the process's sealer, to publish a head now. */
export interface LedgerApi {
  publishNow(): Promise<void>;
}

/** Tree sizes and event ids are bigints in SQL; above 2^53 a JSON number would lose precision. */
const MAX_INDEX = Number.MAX_SAFE_INTEGER;

const Hex = Type.String({ pattern: '^[0-9a-f]*$' });
const TreeHeadResponse = Type.Object({
  origin: Type.String(),
  treeSize: Type.Integer({ minimum: 0 }),
  rootHash: Hex,
  timestamp: Type.String({ description: 'When the head was signed (ISO 8601, UTC)' }),
  keyId: Type.String(),
  signature: Type.String({ description: 'Ed25519 signature over the checkpoint body, base64' }),
});

function headJson(head: TreeHead) {
  return {
    origin: head.origin, treeSize: head.treeSize, rootHash: head.rootHash.toString('hex'), timestamp: head.signedAt,
    keyId: head.keyId, signature: head.signature.toString('base64'),
  };
}

export const InclusionQuery = Type.Object({
  eventId: Type.Integer({ minimum: 1, maximum: MAX_INDEX, description: 'Id of the event in the event log' }),
  treeSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INDEX, description: 'Default: the latest signed tree head' })),
}, { additionalProperties: false });

export const ConsistencyQuery = Type.Object({
  first: Type.Integer({ minimum: 0, maximum: MAX_INDEX }),
  second: Type.Integer({ minimum: 0, maximum: MAX_INDEX }),
}, { additionalProperties: false });

export const CheckpointsQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INDEX, default: 0, description: 'Only heads of trees with at least this many leaves' })),
}, { additionalProperties: false });

export function ledgerRoutes(db: Queryable, ledger: LedgerApi | undefined): RouteDefinition[] {
  return [
    route({
      method: 'GET', url: '/api/ledger/tree-head', operationId: 'getLedgerTreeHead', access: 'public', tag: 'ledger',
      summary: 'The latest signed tree head (size, root hash, timestamp, key id, Ed25519 signature)',
      response: TreeHeadResponse,
      handler: async () => {
        const head = await latestTreeHead(db);
        if (!head) throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', 'no tree head has been signed yet');
        return headJson(head);
      },
    }),
    route({
      method: 'POST', url: '/api/ledger/tree-heads', operationId: 'publishLedgerTreeHead', access: ['admin'], tag: 'ledger',
      summary: 'Seal what is committed and sign a tree head now', status: 201,
      response: TreeHeadResponse,
      handler: async () => {
        if (!ledger) throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', 'this server runs no ledger sealer');
        await ledger.publishNow();
        const head = await latestTreeHead(db);
        if (!head) throw new Error('a tree head was published but cannot be read back');
        return headJson(head);
      },
    }),
    route({
      method: 'GET', url: '/api/ledger/proofs/inclusion', operationId: 'getLedgerInclusionProof', access: 'public', tag: 'ledger',
      summary: 'RFC 9162 inclusion proof of an event in the tree of treeSize leaves (default: the latest signed head)',
      query: InclusionQuery,
      response: Type.Object({
        eventId: Type.Integer(), leafIndex: Type.Integer(), treeSize: Type.Integer(), leaf: Type.Optional(Type.String()), leafHash: Hex,
        path: Type.Array(Hex), rootHash: Hex, treeHead: Type.Optional(TreeHeadResponse),
      }),
      handler: async ({ query, principal }) => {
        const proof = await getInclusionProof(db, query.eventId, query.treeSize === undefined ? {} : { treeSize: query.treeSize });
        const { treeHead, leaf, ...rest } = proof;
        // Public proofs without personal metadata (issue 13): the leaf bytes name the event's actor, type and step,
        // so they are served only to those who may read the whole event log (admins, auditors). Everyone else gets
        // the leaf hash, which proves inclusion against the signed root and, since the leaf commits to the event's
        // data through a random per-event salt, cannot be reversed or confirmed by guessing who did what.
        const entitled = principal?.kind === 'staff' && (principal.roles.includes('admin') || principal.roles.includes('auditor'));
        const body = entitled ? { ...rest, leaf } : rest;
        return treeHead ? { ...body, treeHead: headJson(treeHead) } : body;
      },
    }),
    route({
      method: 'GET', url: '/api/ledger/proofs/consistency', operationId: 'getLedgerConsistencyProof', access: 'public', tag: 'ledger',
      summary: 'RFC 9162 consistency proof that the tree of `first` leaves is a prefix of the tree of `second` leaves',
      query: ConsistencyQuery,
      response: Type.Object({ firstSize: Type.Integer(), secondSize: Type.Integer(), firstRoot: Hex, secondRoot: Hex, path: Type.Array(Hex) }),
      handler: async ({ query }) => {
        if (query.first > query.second) {
          throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'query.first must not be greater than query.second', [{ where: 'query.first', message: 'must be <= query.second' }]);
        }
        return getConsistencyProof(db, query.first, query.second);
      },
    }),
    route({
      method: 'GET', url: '/api/ledger/checkpoints', operationId: 'getLedgerCheckpoints', access: 'public', tag: 'ledger',
      summary: 'Signed tree heads as C2SP signed-note checkpoints (oldest first, at most 1,000), for anchoring elsewhere',
      query: CheckpointsQuery,
      response: Type.Object({ checkpoints: Type.Array(Type.String()) }),
      handler: async ({ query }) => ({ checkpoints: await checkpointsSince(db, query.since ?? 0) }),
    }),
    route({
      method: 'GET', url: '/api/ledger/keys', operationId: 'getLedgerKeys', access: 'public', tag: 'ledger',
      summary: 'Every Ed25519 public key that has signed tree heads (raw 32 bytes, base64), old keys included',
      response: Type.Object({ keys: Type.Array(Type.Object({ keyId: Type.String(), algorithm: Type.Literal('Ed25519'), publicKey: Type.String() })) }),
      handler: async () => ({
        keys: [...(await publicKeys(db))].map(([keyId, key]) => ({ keyId, algorithm: 'Ed25519' as const, publicKey: key.toString('base64') })),
      }),
    }),
  ];
}
