-- Rate-limit counters shared by every govflow process on the database (src/operations/rate-limits.ts): one row
-- per rule and client, a fixed window that restarts when it has ended. Rows whose window ended long ago are
-- deleted by the processes themselves, a few at a time.

create table rate_limit_counter (
  -- '<rule>|<client>' (the client is an address or a hashed credential, never a credential itself)
  key text primary key,
  hits integer not null,
  window_ends_at timestamptz not null
);
create index rate_limit_counter_ends on rate_limit_counter (window_ends_at);
