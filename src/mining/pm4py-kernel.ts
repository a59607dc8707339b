/**
 * The passes behind analyzePm4pyFigures in WebAssembly (pm4py-kernel.wat): variants, start and end activities, the
 * directly-follows graph with its per-edge median and 90th percentile, and the case durations. In JavaScript these
 * five passes each ran in V8's interpreter until it had optimised them, ~40 ms of a ~0.19 s `govflow mine --figures
 * pm4py` on the 41 MB Road-Traffic-Fines-sized CSV; compiled before they run, they take a few ms. The figures are
 * the same, bit for bit (the same hashes, orders and floating-point steps: test/mining/pm4py-kernel.test.ts); a log
 * with more than MOST_ACTIVITIES activities, no case, or a duration that is NaN or -0 gets the JavaScript passes.
 */
import type { EventLog } from './event-log.js';
import { PM4PY_KERNEL_WASM } from './pm4py-kernel-wasm.js';
import { globalOf, instantiate, MemoryLayout, REGION_SLACK, setGlobals, takeSpare, wasmMemory } from './wasm.js';

/** The dense edge table has n × n entries. */
const MOST_ACTIVITIES = 1024;

export interface KernelFigures {
  /** Each variant's case count and first case, in order of first appearance. */
  readonly variants: readonly { count: number; firstCase: number }[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per edge, in order of first appearance: from × n + to, the count, mean, median and 90th percentile seconds. */
  readonly edgeKeys: Int32Array;
  readonly edgeCounts: Int32Array;
  readonly mean: Float64Array;
  readonly median: Float64Array;
  readonly p90: Float64Array;
  readonly caseDuration: { readonly mean: number; readonly median: number; readonly p90: number; readonly min: number; readonly max: number };
}

interface KernelExports {
  readonly analyse: (n: number, cases: number) => number;
}

/** The figures, or undefined when the JavaScript passes must compute them (see the module comment). */
export function pm4pyKernel(log: EventLog): KernelFigures | undefined {
  const n = log.activityNames.length;
  const cases = log.caseStart.length - 1;
  const events = log.activity.length;
  if (n < 1 || n > MOST_ACTIVITIES || cases < 1 || events < 1) return undefined;
  const maxEdges = Math.min(n * n, events);
  let variantSlots = 16;
  while (variantSlots < cases * 2) variantSlots *= 2;
  const regions = new MemoryLayout();
  const { at } = regions;
  const take = (name: string, bytes: number): void => regions.take(name, bytes);
  take('caseStart', (cases + 1) * 4);
  take('starts', n * 4);
  take('ends', n * 4);
  take('dense', n * n * 4);
  take('keys', maxEdges * 4);
  take('counts', maxEdges * 4);
  take('sums', maxEdges * 8);
  take('median', maxEdges * 8);
  take('p90', maxEdges * 8);
  take('offsets', (maxEdges + 1) * 4);
  take('edgeOf', events * 4);
  take('durations', events * 8);
  take('variantSlots', variantSlots * 4);
  take('variantHash', cases * 4);
  take('variantFirst', cases * 4);
  take('variantCount', cases * 4);
  take('caseDurations', cases * 8);
  take('scratch', 16);
  // The columns stay where they are when they are views of a memory with room to spare (the CSV fast path's).
  const inPlace = log.activity.buffer === log.timestamp.buffer && log.activity.byteOffset % 4 === 0 && log.timestamp.byteOffset % 8 === 0;
  const spare = inPlace ? takeSpare(log.activity.buffer, regions.next + REGION_SLACK) : undefined;
  if (!spare) {
    take('act', events * 4);
    take('ts', events * 8);
  }
  const base = spare ? (spare.from + 63) & ~15 : 64;
  for (const name of Object.keys(at)) at[name]! += base;
  const memory = spare?.memory ?? wasmMemory(base + regions.next + REGION_SLACK);
  const buffer = memory.buffer;
  if (spare) {
    at['act'] = log.activity.byteOffset;
    at['ts'] = log.timestamp.byteOffset;
  } else {
    new Int32Array(buffer, at['act']!, events).set(log.activity);
    new Float64Array(buffer, at['ts']!, events).set(log.timestamp);
  }
  new Int32Array(buffer, at['caseStart']!, cases + 1).set(log.caseStart);
  const x = instantiate<KernelExports>(PM4PY_KERNEL_WASM, memory);
  setGlobals(x, { ...at, variantMask: variantSlots - 1 });
  if (x.analyse(n, cases) !== 0) return undefined;
  const edges = globalOf(x, 'edges');
  const counts = new Int32Array(buffer, at['counts']!, edges);
  const sums = new Float64Array(buffer, at['sums']!, edges);
  const mean = new Float64Array(edges);
  for (let e = 0; e < edges; e++) mean[e] = (sums[e] as number) / (counts[e] as number);
  const variantCount = new Int32Array(buffer, at['variantCount']!, globalOf(x, 'variants'));
  const variantFirst = new Int32Array(buffer, at['variantFirst']!, variantCount.length);
  const variants = Array.from(variantCount, (count, v) => ({ count, firstCase: variantFirst[v] as number }));
  return {
    variants,
    starts: new Int32Array(buffer, at['starts']!, n),
    ends: new Int32Array(buffer, at['ends']!, n),
    edgeKeys: new Int32Array(buffer, at['keys']!, edges),
    edgeCounts: counts,
    mean,
    median: new Float64Array(buffer, at['median']!, edges),
    p90: new Float64Array(buffer, at['p90']!, edges),
    caseDuration: { mean: globalOf(x, 'sum') / cases, median: globalOf(x, 'caseMedian'), p90: globalOf(x, 'caseP90'), min: globalOf(x, 'min'), max: globalOf(x, 'max') },
  };
}
