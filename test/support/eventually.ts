/**
 * Waiting in tests for what background work (the worker loop's jobs, notifications, sealing) brings about: probe,
 * and between tries let that work run, until a deadline. One helper so every such wait has the same generous
 * deadline (a crowded CI machine can leave the worker loop's next poll seconds away) and the same failure message.
 */
export interface EventuallyOptions {
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Run between tries; default a 50 ms pause. Pass the worker loop's poll to drive the work instead of waiting. */
  readonly between?: () => Promise<unknown>;
  /** Added to the failure message: the state that explains what was blocking. */
  readonly describe?: () => Promise<string>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the probe's first truthy value; rejects with "timed out waiting for <what>" after the deadline. */
export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, options: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      const state = options.describe ? `\n${await options.describe()}` : '';
      throw new Error(`timed out waiting for ${what}${state}`);
    }
    await (options.between ? options.between() : pause(50));
  }
}
