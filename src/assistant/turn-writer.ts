/**
 * Stores turns as they come, in batches: while one batch is being written, the turns that arrive wait and go
 * together in the next (group commit). A batch is ONE statement, committed on its own: the sealed records, the new
 * conversations, the others' context moved on and every turn's two messages (assistant-store.ts `storeTurns`), so a
 * batch costs one round trip to the database instead of a transaction of five. A reply is returned only once its
 * own turn is committed, as before. A quiet server writes each turn at once.
 */
import type { Database } from '../store/index.js';
import { storeTurns, type TurnRow } from './assistant-store.js';

/** Records sealed for the writer's own statement: their references and the insert as SQL with its parameters. */
export interface SealingStatement { readonly refs: readonly string[]; readonly sql: string; readonly params: readonly unknown[] }

/** The vault's sealing for one statement (privacy's `sealingStatement` and `staleKey`), one record per turn. */
export interface TurnSealer {
  sealingStatement(records: readonly { subject: string; kind: string; value: unknown }[], firstParam: number): Promise<SealingStatement>;
  /** True when the statement failed because the vault's data key was rotated meanwhile (the next sealing rereads it). */
  staleKey(error: unknown): boolean;
}

export interface TurnToWrite extends Omit<TurnRow, 'body'> {
  readonly subject: string;
  /** The turn's texts, sealed here as one record of kind `assistant-turn`. */
  readonly value: unknown;
}

/** Enough to fill a commit, small enough that one bad turn's retry alone costs little. */
const MAX_BATCH = 64;

interface Waiting { readonly turn: TurnToWrite; resolve(id: number): void; reject(error: unknown): void }

export function createTurnWriter(db: Database, sealer: TurnSealer): (turn: TurnToWrite) => Promise<number> {
  let queue: Waiting[] = [];
  let draining = false;

  const writeOnce = async (turns: readonly TurnToWrite[]): Promise<number[]> => {
    const sealed = await sealer.sealingStatement(turns.map((t) => ({ subject: t.subject, kind: 'assistant-turn', value: t.value })), 1);
    return storeTurns(db, sealed, turns.map((t, i) => ({ conversationId: t.conversationId, start: t.start, kind: t.kind, body: sealed.refs[i]!, serviceId: t.serviceId })));
  };
  // A data key rotated out since the last batch fails the statement as a whole; sealed again under the new one.
  const write = (turns: readonly TurnToWrite[]): Promise<number[]> =>
    writeOnce(turns).catch((error: unknown) => (sealer.staleKey(error) ? writeOnce(turns) : Promise.reject(error)));

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        // One turn per conversation per batch: a conversation's turns are stored in the order they were sent.
        const batch: Waiting[] = [];
        const later: Waiting[] = [];
        const conversations = new Set<string>();
        for (const w of queue) {
          if (batch.length < MAX_BATCH && !conversations.has(w.turn.conversationId)) {
            conversations.add(w.turn.conversationId);
            batch.push(w);
          } else later.push(w);
        }
        queue = later;
        try {
          const ids = await write(batch.map((w) => w.turn));
          batch.forEach((w, i) => w.resolve(ids[i]!));
        } catch (error) {
          // A failed batch is retried turn by turn, so that one bad turn fails only its own reply.
          if (batch.length === 1) batch[0]!.reject(error);
          else for (const w of batch) await write([w.turn]).then((ids) => w.resolve(ids[0]!), (e: unknown) => w.reject(e));
        }
      }
    } finally {
      draining = false;
    }
  }

  return (turn) => new Promise<number>((resolve, reject) => {
    queue.push({ turn, resolve, reject });
    // Started after the requests already read in this turn of the event loop have queued theirs: PGlite answers
    // within the same turn, so starting at once would write every turn alone.
    if (!draining) {
      draining = true;
      setImmediate(() => void drain());
    }
  });
}
