/** The Merkle tree as stored: leaf hashes in ledger_leaf, complete aligned subtrees above them in ledger_node. */
import type { Queryable } from '../store/index.js';
import { decompose, foldBlocks, hashChildren, type Block, type Range } from './merkle.js';
import { toBuffer } from './leaf.js';

const key = (level: number, idx: number): string => `${level}:${idx}`;

/** Fetches the given blocks in one round trip; throws if one is missing (the tree would be incomplete). */
export async function fetchBlocks(q: Queryable, blocks: readonly Block[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (blocks.length === 0) return found;
  const leaves = blocks.filter((b) => b.level === 0).map((b) => String(b.idx));
  const inner = blocks.filter((b) => b.level > 0);
  const { rows } = await q.query<{ level: number; idx: string; hash: unknown }>(
    `select 0 as level, leaf_index::text as idx, leaf_hash as hash from ledger_leaf where leaf_index = any($1::bigint[])
     union all
     select n.level::int, n.idx::text, n.hash from ledger_node n
       join unnest($2::int[], $3::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx`,
    [leaves, inner.map((b) => b.level), inner.map((b) => String(b.idx))],
  );
  for (const row of rows) found.set(key(Number(row.level), Number(row.idx)), toBuffer(row.hash));
  for (const b of blocks) {
    if (!found.has(key(b.level, b.idx))) throw new Error(`ledger tree node ${b.level}/${b.idx} is missing`);
  }
  return found;
}

/** MTH of each range, fetching every block they need in one query. */
export async function rangeHashes(q: Queryable, ranges: readonly Range[]): Promise<Buffer[]> {
  const perRange = ranges.map((r) => decompose(r.start, r.end));
  const nodes = await fetchBlocks(q, perRange.flat());
  return perRange.map((blocks) => foldBlocks(blocks.map((b) => nodes.get(key(b.level, b.idx))!)));
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
  const nodes = await fetchBlocks(q, decompose(0, from));
  newLeaves.forEach((h, i) => nodes.set(key(0, from + i), h));
  const levels: number[] = [];
  const idxs: string[] = [];
  const hashes: string[] = [];
  for (let level = 1; 2 ** level <= to; level++) {
    const width = 2 ** level;
    for (let idx = Math.floor(from / width); (idx + 1) * width <= to; idx++) {
      const left = nodes.get(key(level - 1, 2 * idx));
      const right = nodes.get(key(level - 1, 2 * idx + 1));
      if (!left || !right) throw new Error(`ledger tree node ${level}/${idx} has a missing child`);
      const h = hashChildren(left, right);
      nodes.set(key(level, idx), h);
      levels.push(level);
      idxs.push(String(idx));
      hashes.push(h.toString('hex'));
    }
  }
  if (levels.length === 0) return;
  await q.query(
    `insert into ledger_node (level, idx, hash)
     select level, idx, decode(hash, 'hex') from unnest($1::int[], $2::bigint[], $3::text[]) as n(level, idx, hash)`,
    [levels, idxs, hashes],
  );
}
