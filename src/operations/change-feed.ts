import { randomUUID } from 'node:crypto';
import type { LiveCatalogue } from '../catalogue/index.js';
import type { Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';

/** The NOTIFY channel on which a process tells the others that something they keep in memory changed. */
export const CHANGE_CHANNEL = 'govflow_changes';

/** What changed. Only the catalogue is held in memory; the other kinds are announced for listeners that care. */
export type ChangeKind = 'catalogue';

interface ChangeMessage {
  readonly kind: ChangeKind;
  /** The announcing process: it has already reloaded, so it ignores its own message. */
  readonly origin: string;
}

export interface ChangeFeed {
  /** The catalogue to hand to the portal, workbench and admin: its `refresh()` reloads here and tells the others. */
  readonly catalogue: LiveCatalogue;
  /** How many changes announced by other processes this one has applied (tests and metrics read it). */
  readonly applied: () => number;
  stop(): Promise<void>;
}

/**
 * Several processes, one database: an admin's edit reaches every process at once. The catalogue (services' fields
 * and question forms laid over `services/`) is the one thing a process keeps in memory, so the catalogue handed out
 * here announces each `refresh()` (which the admin pages call after every saved edit) with a NOTIFY after its
 * transaction committed, and every other process reloads on hearing it.
 *
 * Staff, memberships and process definitions need no message: every request reads staff and memberships from the
 * database, and the engine checks its cached latest version of a process against the database when it starts an
 * instance (engine `startFast`), so a deployment in one process is started by the others at once.
 *
 * A NOTIFY lost while a process's listening connection was down is made up for by reloading when it (re)subscribes
 * and every `resyncMs` (default 60 s), so a missed message delays an edit by at most that long.
 */
export async function startChangeFeed(options: { db: Database; catalogue: LiveCatalogue; logger?: Logger; resyncMs?: number }): Promise<ChangeFeed> {
  const { db, catalogue, logger } = options;
  const origin = randomUUID();
  let applied = 0;
  let reloading: Promise<void> | undefined;
  let again = false;
  // Reloads one at a time; a message arriving during a reload causes exactly one more.
  const reload = (): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        await catalogue.refresh().catch((error: unknown) => logger?.error({ err: error }, 'catalogue could not be reloaded after a change in another process'));
      } while (again);
    })().finally(() => { reloading = undefined; });
    return reloading;
  };
  const unlisten = await db.listen(CHANGE_CHANNEL, (payload) => {
    let message: Partial<ChangeMessage>;
    try {
      message = JSON.parse(payload) as Partial<ChangeMessage>;
    } catch {
      return;
    }
    if (message.origin === origin || message.kind !== 'catalogue') return;
    applied++;
    void reload();
  });
  await reload();
  const resync = setInterval(() => void reload(), options.resyncMs ?? 60_000);
  resync.unref();

  const shared: LiveCatalogue = {
    get services() {
      return catalogue.services;
    },
    get: (id) => catalogue.get(id),
    get seed() {
      return catalogue.seed;
    },
    async refresh() {
      await catalogue.refresh();
      const message: ChangeMessage = { kind: 'catalogue', origin };
      // The edit is saved: if the others cannot be told now, they pick it up at their next resync, not never.
      await db.query('select pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(message)])
        .catch((error: unknown) => logger?.warn({ err: error }, 'other processes could not be told of a catalogue change; they reload it within a minute'));
    },
  };
  return {
    catalogue: shared,
    applied: () => applied,
    async stop() {
      clearInterval(resync);
      await unlisten();
      await reloading;
    },
  };
}
