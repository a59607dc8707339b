// /metrics read by an independent parser: the official Prometheus Python client's text-format parser (Debian's
// python3-prometheus-client, which .ci/run installs), run on the scraped text. It raises on anything that is not the
// exposition format, and keeps every label of every histogram series.
import { spawnSync } from 'node:child_process';

export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
export interface PrometheusFamily {
  /** The family name as the parser reports it (counters without their `_total`). */
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: readonly PrometheusSample[];
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({'name': f.name, 'type': f.type, 'help': f.documentation,
                'samples': [{'name': s.name, 'labels': s.labels, 'value': s.value if math.isfinite(s.value) else str(s.value)} for s in f.samples]})
json.dump(out, sys.stdout)
`;

/** Why the parser cannot run here, or null when it can. */
export function prometheusParserMissing(): string | null {
  // Under CI=true the parser must be there (.ci/run installs it): the scrape tests then run and fail, never skip.
  if (process.env['CI'] === 'true') return null;
  const probe = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `the Prometheus client's parser is not installed (apt-get install python3-prometheus-client): ${probe.error?.message ?? probe.stderr.trim()}`;
}

export function parsePrometheusText(text: string): PrometheusFamily[] {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`not the Prometheus text format: ${run.stderr.trim().split('\n').at(-1)}`);
  const families = JSON.parse(run.stdout) as { name: string; type: string; help: string; samples: { name: string; labels: Record<string, string>; value: number | string }[] }[];
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, value: Number(s.value) })) }));
}
