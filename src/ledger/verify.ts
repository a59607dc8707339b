/**
 * Full verification from the database: every leaf is recomputed from its event row, the whole tree is rebuilt from
 * those leaves, and every signed tree head must match the rebuilt tree and carry a valid signature. Reports the
 * first bad entry (lowest leaf index, or the event id of an event that should be sealed but is not).
 *
 * Division of work, for speed at a million events: the row → leaf hash step runs in SQL (the leaf format is SQL,
 * leaf.ts, and PostgreSQL hashes without shipping every row to Node); Node fetches the leaf hashes in large
 * aggregated chunks, rebuilds every internal node, and compares with the stored nodes and the signed heads.
 */
import type { Queryable } from '../store/index.js';
import { ERASED_DATA, dataDigestSql, leafHashSql, toBuffer } from './leaf.js';
import { HASH_SIZE, MemoryTree } from './merkle.js';
import { allTreeHeads, publicKeys, verifyTreeHead } from './tree-head.js';
import { LEAF_BLOCK, STORED_MIN_LEVEL, notSealedSql, packedLeafSql } from './tree-store.js';

export interface BadEntry {
  /** The leaf (position in the tree) first affected, when the problem is in a sealed entry. */
  readonly leafIndex?: number;
  readonly eventId?: number;
  readonly reason: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly treeSize: number;
  /** Events committed after the last seal (not yet covered; not an error). */
  readonly pending: number;
  readonly erased: number;
  readonly treeHeads: number;
  readonly firstBad?: BadEntry;
  readonly seconds: number;
  /** Seconds spent in each step, for the benchmark. */
  readonly phases: Record<string, number>;
}

export interface VerifyOptions {
  /**
   * Public keys to trust (key id → raw Ed25519 key). Default: the keys recorded in the database, which proves
   * integrity against anyone who cannot also replace those keys; an auditor passes keys obtained independently.
   */
  readonly trustedKeys?: ReadonlyMap<string, Buffer>;
  /** Leaf hashes fetched per query. */
  readonly chunk?: number;
}

const CHUNK = 1 << 16;

export async function verifyLedger(db: Queryable, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Number(((now - mark) / 1000).toFixed(3));
    mark = now;
  };
  const { rows: stateRows } = await db.query<{ tree_size: string; horizon: string }>('select tree_size::text, horizon::text from ledger_state');
  const treeSize = Number(stateRows[0]?.tree_size ?? 0);
  const horizon = stateRows[0]?.horizon ?? '0';
  const done = (firstBad: BadEntry | undefined, extra: { pending?: number; erased?: number; treeHeads?: number } = {}): VerifyReport => ({
    ok: firstBad === undefined,
    treeSize,
    pending: extra.pending ?? 0,
    erased: extra.erased ?? 0,
    treeHeads: extra.treeHeads ?? 0,
    ...(firstBad ? { firstBad } : {}),
    seconds: (performance.now() - started) / 1000,
    phases,
  });

  // 1. The packed blocks tile 0 … treeSize-1 without gaps or overlaps, each well-formed: 1–16 leaves within one
  // aligned block of 16, byte strings of the right lengths. The first leaf where the tiling breaks is reported. (A
  // block's id_range only serves lookups: a wrong one makes a proof or an erasure of its events fail loudly, and
  // a probing sealer's re-seal of such an event shows up in step 3; checking it here cost ≈ 0.4 s per million.)
  const { rows: shape } = await db.query<{ n: string; bad: string | null }>(
    `select coalesce(sum(n), 0)::text as n, min(expected) filter (where first_leaf <> expected or malformed)::text as bad
     from (select first_leaf, n, sum(n) over (order by first_leaf) - n as expected,
                  (n < 1 or n > 16 or (first_leaf >> 4) <> ((first_leaf + n - 1) >> 4)
                   or octet_length(data_salts) <> 16 * n or octet_length(data_digests) <> 32 * n or octet_length(leaf_hashes) <> 32 * n) as malformed
           from (select *, coalesce(cardinality(event_ids), 0) as n from ledger_block) b) x`,
  );
  const bad = shape[0]?.bad;
  if (Number(shape[0]?.n) !== treeSize || (bad !== null && bad !== undefined)) {
    return done({ leafIndex: bad === null || bad === undefined ? Math.min(treeSize, Number(shape[0]?.n)) : Number(bad), reason: 'the ledger leaves are not a gap-free sequence matching the recorded tree size' });
  }

  phase('shape');

  // Steps 2, 3 and 4–6 are independent; on a server they run on separate connections at once (the leaf check keeps
  // PostgreSQL busy while Node rebuilds the tree). The reported entry is still the first by the fixed priority below.
  const parallel = 'concurrency' in db && typeof db.concurrency === 'number' && db.concurrency > 1;
  const run = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    phases[name] = Number(((performance.now() - t) / 1000).toFixed(3));
    return result;
  };
  const leaves = run('leaves', () => checkLeaves(db, treeSize));
  // Without a pool the steps run one after the other (a single connection or a transaction cannot interleave).
  if (!parallel) await leaves;
  const unsealedStep = run('unsealed', () => checkUnsealed(db, horizon, treeSize, leaves.then((r) => r.sealedSum)));
  if (!parallel) await unsealedStep;
  const treeStep = run('tree', () => checkTree(db, treeSize, options, parallel));
  const [leafResult, unsealed, tree] = await Promise.all([leaves, unsealedStep, treeStep]);
  return done(leafResult.bad ?? unsealed.bad ?? tree.bad, { pending: unsealed.pending, erased: unsealed.erased, treeHeads: tree.treeHeads });
}

/** 2. Each leaf against its event row, in SQL. Erased data is accepted only with an erasure record and the marker. */
async function checkLeaves(db: Queryable, treeSize: number): Promise<{ bad?: BadEntry; sealedSum: bigint }> {
  const erased = JSON.stringify(ERASED_DATA);
  const packed = packedLeafSql('b', 'p.o');
  const verdicts = (leaf: string, event: string): string => `
              (x.event_id is null and ${leaf}.data_digest is distinct from ${dataDigestSql(event, `coalesce(${leaf}.data_salt, ''::bytea)`)}) as data_changed,
              (x.event_id is not null and ${event}.data is distinct from $1::jsonb) as erasure_bad,
              ${leaf}.leaf_hash is distinct from ${leafHashSql(event, `${leaf}.data_digest`)} as leaf_changed`;
  // The fast pass, which only says whether everything holds. It walks the blocks and reads each block's events with
  // one index range scan over its id range (a block's ids are nearly always a short run), placing each event by its
  // position in the block: at a million events ≈ 1 s less than looking up every leaf's event by primary key, which
  // is what PostgreSQL does with the ledger_leaf view below. Events that no leaf names are simply not matched, so
  // "every leaf matched and nothing differs" is "as many matches as leaves, none bad": an event listed in two blocks
  // would match twice, but then the second leaf's hash (another event's, sealed there) cannot equal this event's.
  // An aggregate lets PostgreSQL run it with parallel workers. The same pass sums a hash of every sealed event id
  // (hashint8, 32 bits, summed as bigint: cheaper than numeric), so the unsealed check can compare the sealed events
  // with the event log as multisets (see there).
  const { rows: fast } = await db.query<{ n: string; bad: boolean | null; sealed_sum: string | null }>(
    `select count(*)::text as n, bool_or(data_changed or erasure_bad or leaf_changed) as bad, sum(hashint8(event_id))::text as sealed_sum
     from (select e.id as event_id, ${verdicts('l', 'e')}
           from ledger_block b
           join event_log e on e.id >= lower(b.id_range) and e.id < upper(b.id_range)
           cross join lateral (select array_position(b.event_ids, e.id) as o) p
           cross join lateral (select ${packed.salt} as data_salt, ${packed.digest} as data_digest, ${packed.leafHash} as leaf_hash) l
           left join ledger_erasure x on x.event_id = e.id
           where p.o is not null) c`,
    [erased],
  );
  if (Number(fast[0]?.n) === treeSize && fast[0]?.bad !== true) return { sealedSum: BigInt(fast[0]?.sealed_sum ?? 0) };

  // Something is wrong: the precise pass, leaf by leaf, names the first affected leaf.
  const checks = `
       select l.leaf_index, l.event_id, e.id is null as missing, ${verdicts('l', 'e')}
       from ledger_leaf l
       left join event_log e on e.id = l.event_id
       left join ledger_erasure x on x.event_id = l.event_id`;
  const { rows: first } = await db.query<{ leaf_index: string | null; sealed_sum: string | null }>(
    `select min(leaf_index) filter (where missing or data_changed or erasure_bad or leaf_changed)::text as leaf_index,
            sum(hashint8(event_id))::text as sealed_sum
     from (${checks}) c`,
    [erased],
  );
  const sealedSum = BigInt(first[0]?.sealed_sum ?? 0);
  const leafIndex = first[0]?.leaf_index;
  if (leafIndex === null || leafIndex === undefined) return { sealedSum, bad: await fastPassOnly(db) };
  const { rows } = await db.query<{ event_id: string; missing: boolean; data_changed: boolean; erasure_bad: boolean }>(
    `select event_id::text, missing, data_changed, erasure_bad from (${checks} where l.leaf_index = $2) c`,
    [erased, leafIndex],
  );
  const bad = rows[0]!;
  const reason = bad.missing
    ? 'the event row was deleted'
    : bad.erasure_bad
      ? 'the event is recorded as erased but its data is not the erasure marker'
      : bad.data_changed
        ? "the event's data differs from what was sealed"
        : "the event's columns differ from what was sealed (changed, renumbered or swapped)";
  return { sealedSum, bad: { leafIndex: Number(leafIndex), eventId: Number(bad.event_id), reason } };
}

/**
 * The fast pass failed and the precise one found every leaf intact. The passes differ only in how they find a leaf's
 * event: the fast one within its block's id_range, the precise one through event_ids. So a block's id_range no
 * longer covers one of its events. That range is stored ledger data like the rest (proofs and erasure look events up
 * through it), so an altered one is tampering: verify fails whenever either pass finds something, and names the
 * first leaf whose event lies outside its block's range.
 */
async function fastPassOnly(db: Queryable): Promise<BadEntry> {
  const { rows } = await db.query<{ leaf_index: string; event_id: string }>(
    `select (b.first_leaf + u.o - 1)::text as leaf_index, u.id::text as event_id
     from ledger_block b cross join lateral unnest(b.event_ids) with ordinality as u(id, o)
     where not (b.id_range @> u.id)
     order by b.first_leaf + u.o limit 1`,
  );
  const reason = "the event lies outside its block's recorded id range (the ledger's lookup range was altered)";
  const outside = rows[0];
  // No such leaf: the passes still disagree, which no known change explains; still a failure, without a position.
  if (!outside) return { reason: 'the fast check of the leaves failed but no single leaf could be named' };
  return { leafIndex: Number(outside.leaf_index), eventId: Number(outside.event_id), reason };
}

/**
 * 3. Every event that should be sealed is sealed, once: an inserted or back-dated row, a lost or a doubled leaf.
 * After an xid regression (a restore into another cluster: new events carry small xids until the sealer's next round
 * resets the horizon, sealer.ts) every unsealed event counts as pending, and only the test by the horizon is skipped.
 */
async function checkUnsealed(db: Queryable, horizon: string, treeSize: number, sealedSum: Promise<bigint>): Promise<{ bad?: BadEntry; pending: number; erased: number }> {
  // Pending: events at or above the horizon (or any, after an xid regression) that no block holds (a GiST probe each;
  // only the tail of event_log (tx_id, id) normally).
  const { rows: counts } = await db.query<{ events: string; event_sum: string | null; pending: string; pending_sum: string | null; erased: string; regressed: boolean }>(
    `select a.events::text, a.event_sum::text, p.pending::text, p.pending_sum::text,
            (select count(*) from ledger_erasure)::text as erased,
            pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8 as regressed
     from (select count(*) as events, sum(hashint8(id)) as event_sum from event_log) a,
          (select count(*) as pending, sum(hashint8(e.id)) as pending_sum from event_log e
           where (e.tx_id >= $1::xid8 or pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8)
             and ${notSealedSql('e.id')}) p`,
    [horizon],
  );
  const row = counts[0]!;
  const extra = { pending: Number(row.pending), erased: Number(row.erased) };
  // After an xid regression every unsealed event is pending (above), so the multiset check below still holds.
  // Every leaf's event exists (checkLeaves), so the leaves are exactly the events that are not pending, each once, iff
  // the two agree as multisets: same count and same sum of a hash of the ids (a doubled leaf and a missing
  // event would keep the count, not the sum). Only when they differ are the full-scan queries run to name the entry.
  const expectedCount = Number(row.events) - Number(row.pending);
  const expectedSum = BigInt(row.event_sum ?? 0) - BigInt(row.pending_sum ?? 0);
  if (expectedCount === treeSize && expectedSum === (await sealedSum)) return extra;
  const { rows: stray } = await db.query<{ id: string }>(
    `select e.id::text from event_log e
     where e.tx_id < $1::xid8 and not exists (select 1 from ledger_leaf l where l.event_id = e.id)
     order by e.id limit 1`,
    [horizon],
  );
  if (stray[0] && !row.regressed) {
    return { ...extra, bad: { eventId: Number(stray[0].id), reason: 'an event older than the sealing horizon is not in the ledger (inserted after sealing?)' } };
  }
  const { rows: twice } = await db.query<{ event_id: string; leaf_index: string }>(
    `select event_id::text, max(leaf_index)::text as leaf_index from ledger_leaf group by event_id having count(*) > 1 order by 2 limit 1`,
  );
  if (twice[0]) return { ...extra, bad: { leafIndex: Number(twice[0].leaf_index), eventId: Number(twice[0].event_id), reason: 'the event is sealed more than once' } };
  return { ...extra, bad: { reason: 'the sealed events do not match the event log (counts or ids differ)' } };
}

/** 4–6. Rebuild the tree from the stored leaf hashes (checked by step 2); compare with stored nodes and signed heads. */
async function checkTree(db: Queryable, treeSize: number, options: VerifyOptions, parallel: boolean): Promise<{ bad?: BadEntry; treeHeads: number }> {
  const leafHashes = Buffer.allocUnsafe(treeSize * HASH_SIZE);
  const chunk = options.chunk ?? CHUNK;
  // Leaf chunks are whole packed blocks of 16 leaves.
  const leafChunk = Math.ceil(chunk / LEAF_BLOCK) * LEAF_BLOCK;
  const fetchLeafChunk = async (from: number): Promise<void> => {
    // Step 1 checked that the blocks tile the leaves and never cross a multiple of 16, which the chunks are.
    const { rows } = await db.query<{ hashes: unknown }>(
      `select string_agg(leaf_hashes, ''::bytea order by first_leaf) as hashes from ledger_block where first_leaf >= $1 and first_leaf < $2`,
      [String(from), String(Math.min(treeSize, from + leafChunk))],
    );
    toBuffer(rows[0]?.hashes).copy(leafHashes, from * HASH_SIZE);
  };
  // With a pool, all chunk queries are queued at once so every free connection fetches leaves (each chunk lands at
  // its own offset, so arrival order does not matter); the rebuild cannot start before the last chunk anyway.
  const leafChunks: number[] = [];
  for (let from = 0; from < treeSize; from += leafChunk) leafChunks.push(from);
  if (parallel) await Promise.all(leafChunks.map(fetchLeafChunk));
  else for (const from of leafChunks) await fetchLeafChunk(from);
  const fetchNodes = (level: number, from: number, to: number): Promise<Buffer> =>
    db
      .query<{ hashes: unknown }>(
        `select string_agg(hash, ''::bytea order by idx) as hashes from ledger_node where level = $1 and idx >= $2 and idx < $3`,
        [level, String(from), String(to)],
      )
      .then(({ rows }) => (rows[0]?.hashes == null ? Buffer.alloc(0) : toBuffer(rows[0].hashes)));
  // With a pool, PostgreSQL aggregates the first (largest) stored level while Node rebuilds the tree.
  const firstStoredSize = Math.floor(treeSize / 2 ** STORED_MIN_LEVEL);
  const prefetched = new Map<number, Promise<Buffer>>();
  for (let from = 0; parallel && from < firstStoredSize; from += chunk) {
    const fetching = fetchNodes(STORED_MIN_LEVEL, from, Math.min(firstStoredSize, from + chunk));
    // Marked as handled: an early return below may leave some unawaited; a real failure surfaces when awaited.
    fetching.catch(() => undefined);
    prefetched.set(from, fetching);
  }
  const tree = new MemoryTree(leafHashes, treeSize);

  // The stored internal nodes (what proofs are served from) must equal the rebuilt ones. (Lower levels are not
  // stored: proofs rebuild them from the leaf hashes, which step 2 checked.)
  for (let level = STORED_MIN_LEVEL; level < tree.levels.length; level++) {
    const expected = tree.levels[level]!;
    const count = expected.length / HASH_SIZE;
    for (let from = 0; from < count; from += chunk) {
      const to = Math.min(count, from + chunk);
      const stored = await ((level === STORED_MIN_LEVEL ? prefetched.get(from) : undefined) ?? fetchNodes(level, from, to));
      const want = expected.subarray(from * HASH_SIZE, to * HASH_SIZE);
      if (!stored.equals(want)) {
        let idx = from;
        const at = (buf: Buffer, i: number): Buffer => buf.subarray((i - from) * HASH_SIZE, (i - from + 1) * HASH_SIZE);
        while (idx < to && at(stored, idx).equals(at(want, idx))) idx++;
        const first = idx * 2 ** level;
        return { treeHeads: 0, bad: { leafIndex: first, reason: `stored tree node ${level}/${idx} (leaves ${first}–${first + 2 ** level - 1}) does not match the leaves (a leaf hash or the stored tree was altered)` } };
      }
    }
  }
  const { rows: extraNodes } = await db.query<{ n: string }>('select count(*)::text as n from ledger_node where idx >= ($1::bigint >> level)', [String(treeSize)]);
  if (Number(extraNodes[0]?.n) > 0) return { treeHeads: 0, bad: { leafIndex: treeSize, reason: 'the stored tree has nodes beyond its size' } };

  // Every signed head: genuine signature, and its root is the rebuilt tree's root at that size.
  const heads = await allTreeHeads(db);
  const keys = options.trustedKeys ?? (await publicKeys(db));
  let coveredUpTo = 0;
  for (const head of heads) {
    const key = keys.get(head.keyId);
    if (!key || !verifyTreeHead(head, key)) {
      return { treeHeads: heads.length, bad: { leafIndex: Math.min(coveredUpTo, Math.max(0, head.treeSize - 1)), reason: `the signed tree head for size ${head.treeSize} has no valid signature by a trusted key (${head.keyId})` } };
    }
    if (head.treeSize > treeSize) {
      return { treeHeads: heads.length, bad: { leafIndex: treeSize, reason: `a signed tree head covers ${head.treeSize} entries but only ${treeSize} are in the ledger (entries were removed)` } };
    }
    if (!tree.root(head.treeSize).equals(head.rootHash)) {
      // The stored nodes all matched, and they cover the complete blocks of 2^STORED_MIN_LEVEL leaves; so unless they
      // were rewritten too, the change is in the newest leaves no stored node covers yet.
      const storedUpTo = Math.floor(treeSize / 2 ** STORED_MIN_LEVEL) * 2 ** STORED_MIN_LEVEL;
      const hint = storedUpTo > coveredUpTo && storedUpTo < head.treeSize ? ` (the stored nodes match leaves 0–${storedUpTo - 1}: unless they were rewritten too, the change is in leaves ${storedUpTo}–${head.treeSize - 1})` : '';
      return { treeHeads: heads.length, bad: { leafIndex: coveredUpTo, reason: `the tree no longer matches the signed tree head for size ${head.treeSize}${hint}` } };
    }
    // A later mismatch can then only be named as "somewhere after the last head that matched".
    coveredUpTo = Math.max(coveredUpTo, head.treeSize);
  }
  return { treeHeads: heads.length };
}
