import type { Engine } from '../engine/index.js';

/** How a service's expected time reads when it is measured from real cases: the median of recent completed ones. */
export function describeProcessingTimes(durationsMs: readonly number[], minimumCases = 3): string | null {
  const sorted = durationsMs.filter((d) => Number.isFinite(d) && d >= 0).sort((a, b) => a - b);
  if (sorted.length < minimumCases) return null;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const days = median / 86_400_000;
  const amount = days < 1 ? 'less than a day' : `${Math.round(days)} ${Math.round(days) === 1 ? 'day' : 'days'}`;
  return `Recently, half of the applications got a decision within ${amount} (the last ${sorted.length} decided).`;
}

/** Measures the last completed cases of a process, cached for a few minutes per process key. */
export function processingTimes(engine: Engine, options: { ttlMs?: number; sample?: number } = {}): (processKey: string) => Promise<string | null> {
  const cache = new Map<string, { at: number; text: Promise<string | null> }>();
  const ttl = options.ttlMs ?? 5 * 60_000;
  return (processKey) => {
    const hit = cache.get(processKey);
    if (hit && Date.now() - hit.at < ttl) return hit.text;
    const text = engine.listInstances({ processKey, state: 'completed', limit: options.sample ?? 200 })
      .then((instances) => describeProcessingTimes(instances.filter((i) => i.endedAt).map((i) => Date.parse(i.endedAt!) - Date.parse(i.startedAt))))
      .catch(() => null);
    cache.set(processKey, { at: Date.now(), text });
    return text;
  };
}
