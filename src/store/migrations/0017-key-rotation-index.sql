-- Key rotation (`govflow keys rotate signing|vault|master`, issue 13) keeps its record on the event log:
-- `keys.rotation-started`, then `keys.rotation-step` / `keys.rotation-finished` events naming the rotation's id in
-- `data->>'rotation'`. A rerun after a crash finds the unfinished rotation's steps through this small partial index
-- instead of reading every event of those types (src/store/key-rotation.ts).
create index event_log_key_rotation on event_log ((data->>'rotation'), id) where type in ('keys.rotation-step', 'keys.rotation-finished');
