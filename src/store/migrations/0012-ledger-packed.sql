-- The ledger's leaves packed one row per block of up to 16 (docs/ledger.md, "Storage"). One ledger_leaf row per
-- event, with its two unique indexes and WAL, was the largest part of sealing's cost; a block row is written once
-- per 16 events and indexed twice (by position, and by the range of its event ids for event → leaf lookups).

create table ledger_block (
  -- Position of the block's first leaf. A block never crosses a multiple of 16, so the leaves of the aligned block
  -- [16k, 16k + 16) are in the rows whose first_leaf lies in that range.
  first_leaf bigint primary key,
  -- [lowest, highest] event id in the block: finds an event's leaf through a GiST probe, not an index entry per event.
  id_range int8range not null,
  -- Per leaf, in leaf order: the event id, the 16-byte salt (zeros once the data was lawfully erased), the 32-byte
  -- salted data digest and the 32-byte RFC 9162 leaf hash.
  event_ids bigint[] not null,
  data_salts bytea not null,
  data_digests bytea not null,
  leaf_hashes bytea not null,
  sealed_at timestamptz not null default now(),
  check (cardinality(event_ids) between 1 and 16 and (first_leaf >> 4) = ((first_leaf + cardinality(event_ids) - 1) >> 4))
);
create index ledger_block_ids on ledger_block using gist (id_range);

-- Existing leaves move into blocks (aligned to 16; a gap in the old sequence stays a gap, so verify still sees it).
insert into ledger_block (first_leaf, id_range, event_ids, data_salts, data_digests, leaf_hashes, sealed_at)
select min(leaf_index), int8range(min(event_id), max(event_id), '[]'), array_agg(event_id order by leaf_index),
       string_agg(coalesce(data_salt, '\x00000000000000000000000000000000'::bytea), ''::bytea order by leaf_index),
       string_agg(data_digest, ''::bytea order by leaf_index), string_agg(leaf_hash, ''::bytea order by leaf_index),
       min(sealed_at)
from (select l.*, leaf_index - row_number() over (order by leaf_index) as run from ledger_leaf l) l
group by run, leaf_index >> 4;

-- The sealer's cursor (see src/ledger/sealer.ts): events of transaction `horizon` with an id up to horizon_id are
-- sealed too; max_sealed_tx is the highest tx_id ever sealed; `probing` means sealed events may lie above the
-- cursor (after a restore into another cluster), so rounds must test each candidate against ledger_block.
alter table ledger_state
  add column horizon_id bigint,
  add column max_sealed_tx xid8 not null default '0'::xid8,
  add column probing boolean not null default false;
update ledger_state s set
  max_sealed_tx = coalesce((select tx_id from ledger_leaf order by tx_id desc limit 1), '0'::xid8),
  -- The old sealer could leave sealed events at or above its horizon (a partly sealed transaction, restored rows).
  probing = exists (select 1 from ledger_leaf l where l.tx_id >= s.horizon);

drop table ledger_leaf;

-- The leaves one row each, for verification and ad-hoc queries (not for the sealer's or proofs' hot paths).
create view ledger_leaf as
select b.first_leaf + u.o - 1 as leaf_index, u.event_id,
       substring(b.data_salts from (u.o::int - 1) * 16 + 1 for 16) as data_salt,
       substring(b.data_digests from (u.o::int - 1) * 32 + 1 for 32) as data_digest,
       substring(b.leaf_hashes from (u.o::int - 1) * 32 + 1 for 32) as leaf_hash,
       b.sealed_at
from ledger_block b cross join lateral unnest(b.event_ids) with ordinality as u(event_id, o);
