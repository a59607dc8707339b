/**
 * Stores turns as they come, in batches: while one transaction is writing, the turns that arrive wait and go
 * together in the next (group commit). A reply is returned only once its own turn is committed, as before; under
 * load a batch replaces a transaction, a key look-up and a commit per reply. A quiet server writes each turn at once.
 */
import type { Database, Queryable } from '../store/index.js';
import { insertTurns, type TurnRow } from './assistant-store.js';

/** The vault's batch sealing (privacy's `sealMany`), one record per turn. */
export type SealMany = (tx: Queryable, records: readonly { subject: string; kind: string; value: unknown }[]) => Promise<string[]>;

export interface TurnToWrite extends Omit<TurnRow, 'body'> {
  readonly subject: string;
  /** The turn's texts, sealed here as one record of kind `assistant-turn`. */
  readonly value: unknown;
}

/** Enough to fill a commit, small enough that one bad turn's retry alone costs little. */
const MAX_BATCH = 64;

interface Waiting { readonly turn: TurnToWrite; resolve(id: number): void; reject(error: unknown): void }

export function createTurnWriter(db: Database, sealMany: SealMany): (turn: TurnToWrite) => Promise<number> {
  let queue: Waiting[] = [];
  let draining = false;

  const write = (turns: readonly TurnToWrite[]): Promise<number[]> => db.transaction(async (tx) => {
    const refs = await sealMany(tx, turns.map((t) => ({ subject: t.subject, kind: 'assistant-turn', value: t.value })));
    return insertTurns(tx, turns.map((t, i) => ({ conversationId: t.conversationId, start: t.start, kind: t.kind, body: refs[i]!, serviceId: t.serviceId })));
  });

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
