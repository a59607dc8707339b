/**
 * Machine load around a benchmark. Timings on a shared machine mean little without it, so every bench prints the
 * load average before and after (on stderr, so `--json` output stays one document) and puts both in its JSON.
 */
import { cpus, loadavg } from 'node:os';

export interface MachineLoad {
  /** 1, 5 and 15 minute load averages (runnable processes), as os.loadavg() gives them. */
  readonly loadAverage: readonly [number, number, number];
  readonly cores: number;
  readonly at: string;
}

export interface LoadAround {
  readonly before: MachineLoad;
  readonly after: MachineLoad;
  /** A 1-minute load at or above the core count means the bench shared its CPUs with other work. */
  readonly underLoad: boolean;
}

export function sampleMachineLoad(): MachineLoad {
  const [a = 0, b = 0, c = 0] = loadavg();
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { loadAverage: [r(a), r(b), r(c)], cores: cpus().length, at: new Date().toISOString() };
}

/** Prints the load now on stderr, for benches that keep their own load figures in their JSON. */
export function printMachineLoad(when: 'before' | 'after', load: MachineLoad = sampleMachineLoad()): void {
  console.error(`machine load ${when}: ${load.loadAverage.join(' ')} (1/5/15 min) on ${load.cores} cores`);
}

/** Samples and prints the load before `body`, again after, and returns both with the body's result. */
export async function withMachineLoad<T>(body: () => Promise<T>): Promise<{ result: T; load: LoadAround }> {
  const before = sampleMachineLoad();
  printMachineLoad('before', before);
  const result = await body();
  const after = sampleMachineLoad();
  printMachineLoad('after', after);
  const underLoad = Math.max(before.loadAverage[0], after.loadAverage[0]) >= before.cores * 0.75;
  return { result, load: { before, after, underLoad } };
}
