/** Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4) served from the stored subtrees. */
import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { consistencyRanges, decompose, foldBlocks, inclusionRanges } from './merkle.js';
import { leafBytesSql, toBuffer } from './leaf.js';
import { LEAF_BLOCK, STORED_MIN_LEVEL, addRows, blockHash, packedLeafSql, packedLeavesSql, rangeHashes, rootAt } from './tree-store.js';
import { treeHeadById, type TreeHead } from './tree-head.js';

export interface InclusionProof {
  readonly eventId: number;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** The exact leaf bytes (UTF-8 JSON array; see leaf.ts): hash 0x00 || these to get the leaf hash. */
  readonly leaf: string;
  readonly leafHash: string;
  /** Audit path, leaf side first, hex. */
  readonly path: string[];
  readonly rootHash: string;
  /** The signed head the proof is against, when it is the latest signed head. */
  readonly treeHead?: TreeHead;
}

/**
 * Proof that an event is in the tree of `treeSize` leaves (default: the latest signed head). The leaf bytes are
 * rebuilt from the row and its stored commitment, so an altered row gives a proof that does not verify.
 */
export async function getInclusionProof(q: Queryable, eventId: number, options: { treeSize?: number } = {}): Promise<InclusionProof> {
  // One round trip: the leaf, the tree size (given, or the latest signed head's) and every node the proof can need.
  // Those are the complete siblings of the leaf's ancestors, (level, (index >> level) xor 1), plus the blocks of the
  // binary decomposition of the size (the right edge, where subtrees are incomplete) — see merkle.ts.
  const packed = packedLeafSql('b', 'p.pos');
  const { rows } = await q.query<{ kind: string; level: number | null; idx: string | null; hash: unknown; leaf_index: string | null; leaf: string | null; head_id: string | null; size: string | null; sealed: string | null }>(
    `with h as (select id, tree_size from ledger_tree_head order by id desc limit 1),
     n as (select coalesce($2::bigint, (select tree_size from h)) as n),
     -- The event's block: a GiST probe of the blocks whose id range holds the event id, then its place in the block.
     l as (select b.first_leaf + p.pos - 1 as leaf_index, ${packed.leafHash} as leaf_hash,
                  convert_from(${leafBytesSql('e', packed.digest)}, 'UTF8') as leaf
           from event_log e
           join ledger_block b on b.id_range @> e.id
           cross join lateral (select array_position(b.event_ids, e.id) as pos) p
           where e.id = $1 and p.pos is not null
           limit 1),
     blocks as (
       select lv as level, (l.leaf_index >> lv) # 1 as idx from l, n, generate_series(0, 48) lv
        where (((l.leaf_index >> lv) # 1) + 1) << lv <= n.n
       union
       select lv, (n.n >> lv) - 1 from n, generate_series(0, 48) lv where (n.n >> lv) & 1 = 1
     )
     select 'leaf' as kind, null::int as level, null::text as idx, l.leaf_hash as hash, l.leaf_index::text as leaf_index, l.leaf,
            (select id from h)::text as head_id, (select n from n)::text as size, (select tree_size from ledger_state)::text as sealed
       from l
     union all
     -- Blocks below the stored levels are rebuilt from their leaves (tree-store.ts), which all lie in the leaf's own
     -- aligned block of ${LEAF_BLOCK} or in the incomplete one at the right edge: at most two packed blocks.
     select 'node', level, idx, hash, null, null, null, null, null
       from (${packedLeavesSql(`(select array[l.leaf_index >> 4, n.n >> 4] from l, n)`)}) pl
     union all
     select 'node', nn.level::int, nn.idx::text, nn.hash, null, null, null, null, null
       from (select level, idx from blocks where level >= ${STORED_MIN_LEVEL}) w
       join ledger_node nn on nn.level = w.level and nn.idx = w.idx`,
    [eventId, options.treeSize === undefined ? null : String(options.treeSize)],
    { name: 'govflow_ledger_inclusion_proof' },
  );
  const row = rows.find((r) => r.kind === 'leaf');
  if (!row || row.leaf_index === null || row.leaf === null) {
    throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', `event ${eventId} is not sealed yet`, [{ where: `event ${eventId}`, message: 'not in the ledger' }]);
  }
  const leafIndex = Number(row.leaf_index);
  if (row.size === null) throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', `event ${eventId} is sealed but no signed tree head covers it yet`);
  const treeSize = Number(row.size);
  if (treeSize > Number(row.sealed)) throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', `the tree has not reached size ${treeSize}`);
  if (leafIndex >= treeSize) {
    throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', options.treeSize === undefined ? `event ${eventId} is sealed but no signed tree head covers it yet` : `event ${eventId} (leaf ${leafIndex}) is not in a tree of size ${treeSize}`);
  }
  const head = options.treeSize === undefined && row.head_id !== null ? await treeHeadById(q, row.head_id) : undefined;
  const nodes = new Map<string, Buffer>();
  addRows(nodes, rows.filter((r) => r.kind === 'node'));
  const fold = (range: { start: number; end: number }): Buffer =>
    foldBlocks(
      decompose(range.start, range.end).map((b) => {
        const h = blockHash(nodes, b.level, b.idx);
        if (!h) throw new GovflowError('GOVFLOW_ERR_LEDGER_DAMAGED', `ledger tree node ${b.level}/${b.idx} is missing`);
        return h;
      }),
    );
  return {
    eventId,
    leafIndex,
    treeSize,
    leaf: row.leaf,
    leafHash: toBuffer(row.hash).toString('hex'),
    path: inclusionRanges(leafIndex, treeSize).map((r) => fold(r).toString('hex')),
    rootHash: fold({ start: 0, end: treeSize }).toString('hex'),
    ...(head ? { treeHead: head } : {}),
  };
}

export interface ConsistencyProof {
  readonly firstSize: number;
  readonly secondSize: number;
  readonly firstRoot: string;
  readonly secondRoot: string;
  readonly path: string[];
}

/** Proof that the tree of `firstSize` leaves is a prefix of the tree of `secondSize` leaves. */
export async function getConsistencyProof(q: Queryable, firstSize: number, secondSize: number): Promise<ConsistencyProof> {
  if (!Number.isInteger(firstSize) || !Number.isInteger(secondSize) || firstSize < 0 || firstSize > secondSize) {
    throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', `no consistency proof from ${firstSize} to ${secondSize}`);
  }
  await assertSealed(q, secondSize);
  const hashes = await rangeHashes(q, [...consistencyRanges(firstSize, secondSize), { start: 0, end: firstSize }, { start: 0, end: secondSize }]);
  const secondRoot = hashes.pop()!;
  const firstRoot = hashes.pop()!;
  return { firstSize, secondSize, firstRoot: firstRoot.toString('hex'), secondRoot: secondRoot.toString('hex'), path: hashes.map((h) => h.toString('hex')) };
}

async function assertSealed(q: Queryable, size: number): Promise<void> {
  const { rows } = await q.query<{ tree_size: string }>('select tree_size::text from ledger_state');
  if (size > Number(rows[0]?.tree_size ?? 0)) throw new GovflowError('GOVFLOW_ERR_LEDGER_PROOF', `the tree has not reached size ${size}`);
}

/** Root hash of the tree at any sealed size. */
export async function getRootHash(q: Queryable, size: number): Promise<Buffer> {
  await assertSealed(q, size);
  return rootAt(q, size);
}
