-- The ledger (src/ledger/): every event_log row becomes a leaf of an append-only RFC 9162 Merkle tree, sealed in
-- commit order by one sealer at a time, with signed tree heads. See docs/ledger.md.

-- One row: where sealing stands. The sealer locks it (select … for update), so only one sealer runs at a time
-- across every govflow process, while the engine's writes never touch it.
create table ledger_state (
  singleton boolean primary key default true check (singleton),
  tree_size bigint not null default 0,
  -- Every event whose tx_id is below this xid8 is sealed: it was the xmin of the sealer's snapshot when it last
  -- caught up (all transactions older than it had finished, so no older event can still appear).
  horizon xid8 not null default '0'::xid8,
  caught_up_at timestamptz not null default now()
);
insert into ledger_state default values;

-- Level 0 of the tree. The leaf commits to the event's columns and to a salted digest of its data, so the data
-- (which may be personal) can be erased later without breaking any proof.
create table ledger_leaf (
  leaf_index bigint primary key,
  event_id bigint not null unique,
  tx_id xid8 not null,
  data_salt bytea,
  data_digest bytea not null,
  leaf_hash bytea not null,
  sealed_at timestamptz not null default now()
);

-- Every complete, aligned subtree above the leaves: node (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
-- Any proof needs at most about 2·log2(n) of them, so proofs never rehash leaves.
create table ledger_node (
  level smallint not null check (level > 0),
  idx bigint not null,
  hash bytea not null,
  primary key (level, idx)
);

-- Public keys that ever signed a tree head; old ones stay so old heads stay verifiable after rotation.
create table ledger_key (
  key_id text primary key,
  public_key bytea not null,
  created_at timestamptz not null default now()
);

-- Signed tree heads (the checkpoint body is rebuilt from these columns; see src/ledger/tree-head.ts).
create table ledger_tree_head (
  id bigserial primary key,
  origin text not null,
  tree_size bigint not null,
  root_hash bytea not null,
  signed_at timestamptz not null,
  key_id text not null references ledger_key(key_id),
  signature bytea not null
);
create index ledger_tree_head_size on ledger_tree_head (tree_size);

-- Lawful erasures of an event's data (retention, GDPR): verification accepts the redaction marker for these rows.
create table ledger_erasure (
  event_id bigint primary key,
  erased_at timestamptz not null default now(),
  reason text not null
);

-- The sealer reads events by transaction id above its horizon.
create index event_log_tx on event_log (tx_id, id);
