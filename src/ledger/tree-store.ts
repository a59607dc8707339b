/** The Merkle tree as stored: leaf hashes packed in ledger_block, complete aligned subtrees above them in ledger_node. */
import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { HASH_SIZE, decompose, foldBlocks, hashChildren, type Block, type Range } from './merkle.js';
import { toBuffer } from './leaf.js';

export const key = (level: number, idx: number): string => `${level}:${idx}`;

/**
 * Only nodes at this level and above are stored (the aligned subtrees of 16 leaves and up). The three levels below
 * would be 7 of every 8 stored nodes — about one indexed row per event, a third of sealing's database work — while
 * any of them is rebuilt from at most 8 leaf hashes, which proofs fetch with the leaves they already read.
 */
export const STORED_MIN_LEVEL = 4;

/** The leaf indexes a block's hash is computed from when it is not stored (itself for a leaf, none when stored). */
export function leavesOf(block: Block): number[] {
  if (block.level === 0) return [block.idx];
  if (block.level >= STORED_MIN_LEVEL) return [];
  const first = block.idx * 2 ** block.level;
  return Array.from({ length: 2 ** block.level }, (_, i) => first + i);
}

/**
 * The hash of a block from leaf hashes and stored nodes in `found` (keys `level:idx`), computing levels below
 * STORED_MIN_LEVEL from their leaves (and remembering them in `found`); undefined when something is missing.
 */
export function blockHash(found: Map<string, Buffer>, level: number, idx: number): Buffer | undefined {
  const k = key(level, idx);
  const known = found.get(k);
  if (known || level === 0 || level >= STORED_MIN_LEVEL) return known;
  const left = blockHash(found, level - 1, 2 * idx);
  const right = left && blockHash(found, level - 1, 2 * idx + 1);
  if (!left || !right) return undefined;
  const h = hashChildren(left, right);
  found.set(k, h);
  return h;
}

/** Fetches the given blocks in one round trip; throws if one is missing (the tree would be incomplete). */
export async function fetchBlocks(q: Queryable, blocks: readonly Block[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (blocks.length === 0) return found;
  // Leaf hashes are packed by aligned blocks of 16 (ledger_block rows never cross one): fetch whole blocks.
  const packed = [...new Set(blocks.flatMap(leavesOf).map((leaf) => Math.floor(leaf / LEAF_BLOCK)))].map(String);
  const inner = blocks.filter((b) => b.level >= STORED_MIN_LEVEL);
  const { rows } = await q.query<{ level: number; idx: string; hash: unknown }>(
    `${packedLeavesSql('$1')}
     union all
     select n.level::int, n.idx::text, n.hash from ledger_node n
       join unnest($2::int[], $3::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx`,
    [packed, inner.map((b) => b.level), inner.map((b) => String(b.idx))],
  );
  addRows(found, rows);
  for (const b of blocks) {
    if (!blockHash(found, b.level, b.idx)) throw new GovflowError('GOVFLOW_ERR_LEDGER_DAMAGED', `ledger tree node ${b.level}/${b.idx} is missing`);
  }
  return found;
}

/** Leaves per ledger_block row at most; rows never cross a multiple of it. */
export const LEAF_BLOCK = 16;

/**
 * SQL selecting (level 0, first leaf, packed leaf hashes) of every ledger_block row in the aligned blocks of 16 whose
 * numbers are in the bigint[] expression `blocks`: one primary-key range scan per block.
 */
export function packedLeavesSql(blocks: string): string {
  // A lateral subquery with a limit (at most 16 rows can start in an aligned block of 16), so that each block number
  // is one primary-key range probe: as a plain join, once ledger_block had been analysed, PostgreSQL guessed a
  // third of the table per range and scanned all of it instead (≈ 35 ms per proof at a million events, not 0.5).
  return `select -1 as level, b.first_leaf::text as idx, b.leaf_hashes as hash
     from unnest(${blocks}::bigint[]) as k(k)
     cross join lateral (select first_leaf, leaf_hashes from ledger_block
                         where first_leaf >= k.k * ${LEAF_BLOCK} and first_leaf < (k.k + 1) * ${LEAF_BLOCK}
                         order by first_leaf limit ${LEAF_BLOCK}) b`;
}

/** Below every event id: the cursor's id when no event of the horizon's transaction is sealed yet. */
export const MIN_EVENT_ID = '-9223372036854775808';

/**
 * SQL true when no ledger_block row holds the event id expression `id`: a GiST probe of the blocks whose id range
 * contains it, as a scalar subquery (as "not exists" the planner may hash every block instead).
 */
export function notSealedSql(id: string): string {
  return `(select 1 from ledger_block sb where sb.id_range @> ${id} and ${id} = any(sb.event_ids) limit 1) is null`;
}

/** SQL for the salt, data digest and leaf hash of the leaf at 1-based position `pos` of ledger_block row `b`. */
export function packedLeafSql(b: string, pos: string): { salt: string; digest: string; leafHash: string } {
  return {
    salt: `substring(${b}.data_salts from (${pos} - 1) * 16 + 1 for 16)`,
    digest: `substring(${b}.data_digests from (${pos} - 1) * ${HASH_SIZE} + 1 for ${HASH_SIZE})`,
    leafHash: `substring(${b}.leaf_hashes from (${pos} - 1) * ${HASH_SIZE} + 1 for ${HASH_SIZE})`,
  };
}

/**
 * Puts query rows into `found`: level -1 rows are packed leaf hashes starting at leaf `idx` (split into level-0
 * entries), others one stored node each.
 */
export function addRows(found: Map<string, Buffer>, rows: ReadonlyArray<{ level: number | null; idx: string | null; hash: unknown }>): void {
  for (const row of rows) {
    const hash = toBuffer(row.hash);
    if (Number(row.level) === -1) {
      const first = Number(row.idx);
      for (let i = 0; i * HASH_SIZE < hash.length; i++) found.set(key(0, first + i), hash.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    } else {
      found.set(key(Number(row.level), Number(row.idx)), hash);
    }
  }
}

/** MTH of each range, fetching every block they need in one query. */
export async function rangeHashes(q: Queryable, ranges: readonly Range[]): Promise<Buffer[]> {
  const perRange = ranges.map((r) => decompose(r.start, r.end));
  const nodes = await fetchBlocks(q, perRange.flat());
  return perRange.map((blocks) => foldBlocks(blocks.map((b) => blockHash(nodes, b.level, b.idx)!)));
}

export async function rootAt(q: Queryable, size: number): Promise<Buffer> {
  const [root] = await rangeHashes(q, [{ start: 0, end: size }]);
  return root!;
}

/**
 * Stores every complete node that leaves [from, from + newLeaves.length) complete. The only old nodes needed are
 * the left siblings on the way up, which are exactly the blocks of the binary decomposition of `from`.
 */
export async function storeNewNodes(q: Queryable, from: number, newLeaves: readonly Buffer[]): Promise<void> {
  const to = from + newLeaves.length;
  const frontier = await fetchBlocks(q, decompose(0, from));
  const levels: number[] = [];
  const idxs: string[] = [];
  const hashes: string[] = [];
  // One array per level (index `first` onwards) rather than a map entry per node: this runs for every sealed event.
  let below: readonly Buffer[] = newLeaves;
  let belowFirst = from;
  for (let level = 1; 2 ** level <= to; level++) {
    const child = (i: number): Buffer => {
      const h = i >= belowFirst ? below[i - belowFirst] : blockHash(frontier, level - 1, i);
      if (!h) throw new GovflowError('GOVFLOW_ERR_LEDGER_DAMAGED', `ledger tree node ${level - 1}/${i} is missing`);
      return h;
    };
    const first = Math.floor(from / 2 ** level);
    const current: Buffer[] = [];
    for (let idx = first; (idx + 1) * 2 ** level <= to; idx++) {
      const h = hashChildren(child(2 * idx), child(2 * idx + 1));
      current.push(h);
      if (level < STORED_MIN_LEVEL) continue;
      levels.push(level);
      idxs.push(String(idx));
      hashes.push(h.toString('hex'));
    }
    below = current;
    belowFirst = first;
  }
  if (levels.length === 0) return;
  await q.query(
    `insert into ledger_node (level, idx, hash)
     select level, idx, decode(hash, 'hex') from unnest($1::int[], $2::bigint[], $3::text[]) as n(level, idx, hash)`,
    [levels, idxs, hashes],
  );
}
