/**
 * Pictures for people: the process map as SVG (frequency or performance colouring, rare paths hidden by a slider in
 * the HTML) and a self-contained HTML report (no external scripts, fonts or styles, so it opens offline and in
 * e-mail attachments).
 */
import type { MiningSummary } from './analyze.js';
import type { FitnessReport } from './conformance.js';
import { escapeXml } from './xml-text.js';

const esc = escapeXml;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.abs(seconds);
  if (s < 60) return `${seconds.toFixed(0)} s`;
  if (s < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (s < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

interface Node {
  readonly name: string;
  readonly count: number;
  rank: number;
  x: number;
  y: number;
}

const NODE_W = 210;
const NODE_H = 44;
const GAP_X = 40;
const GAP_Y = 70;

/** Layers activities by their shortest distance from the start along frequent edges; draws edges as curves. */
export function renderProcessMapSvg(summary: MiningSummary): string {
  const counts = new Map<string, number>();
  for (const e of summary.dfg) counts.set(e.to, (counts.get(e.to) ?? 0) + e.count);
  for (const [a, n] of Object.entries(summary.startActivities)) counts.set(a, (counts.get(a) ?? 0) + n);
  const nodes = new Map<string, Node>();
  const node = (name: string): Node => {
    let n = nodes.get(name);
    if (!n) {
      n = { name, count: counts.get(name) ?? 0, rank: Infinity, x: 0, y: 0 };
      nodes.set(name, n);
    }
    return n;
  };
  const START = '\u25b6 start';
  const END = '\u25a0 end';
  node(START).rank = 0;
  const edges = [
    ...Object.entries(summary.startActivities).map(([a, n]) => ({ from: START, to: a, count: n, meanSeconds: 0 })),
    ...summary.dfg.map((e) => ({ from: e.from, to: e.to, count: e.count, meanSeconds: e.meanSeconds })),
    ...Object.entries(summary.endActivities).map(([a, n]) => ({ from: a, to: END, count: n, meanSeconds: 0 })),
  ];
  for (const e of edges) {
    node(e.from);
    node(e.to);
  }
  // Breadth-first ranks over edges sorted by frequency, so the main path sets the layout and loops do not.
  const out = new Map<string, typeof edges>();
  for (const e of [...edges].sort((a, b) => b.count - a.count)) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const queue = [START];
  while (queue.length > 0) {
    const name = queue.shift() ?? '';
    const r = nodes.get(name)?.rank ?? 0;
    for (const e of out.get(name) ?? []) {
      const t = nodes.get(e.to);
      if (t && t.rank === Infinity && e.to !== END) {
        t.rank = r + 1;
        queue.push(e.to);
      }
    }
  }
  let maxRank = 0;
  for (const n of nodes.values()) if (n.rank !== Infinity && n.name !== END) maxRank = Math.max(maxRank, n.rank);
  for (const n of nodes.values()) if (n.rank === Infinity) n.rank = n.name === END ? maxRank + 1 : maxRank;
  nodes.get(END)!.rank = maxRank + 1;
  const layers = new Map<number, Node[]>();
  for (const n of nodes.values()) layers.set(n.rank, [...(layers.get(n.rank) ?? []), n]);
  // At most COLUMNS nodes side by side: a wide layer of rare activities wraps onto extra rows instead of making the
  // map too wide to read. Within a layer, frequent activities come first and sit in the middle.
  const COLUMNS = 4;
  const width = COLUMNS * (NODE_W + GAP_X) + GAP_X + 160;
  let row = 0;
  const rowOf = new Map<Node, number>();
  for (const rank of [...layers.keys()].sort((a, b) => a - b)) {
    const layer = (layers.get(rank) ?? []).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    for (let start = 0; start < layer.length; start += COLUMNS) {
      const slice = layer.slice(start, start + COLUMNS);
      const total = slice.length * (NODE_W + GAP_X) - GAP_X;
      const order = [...slice.keys()].sort((a, b) => Math.abs(a - (slice.length - 1) / 2) - Math.abs(b - (slice.length - 1) / 2));
      order.forEach((slot, i) => {
        const n = slice[i];
        if (!n) return;
        n.x = 20 + (width - 160 - total) / 2 + slot * (NODE_W + GAP_X);
        n.y = 20 + row * (NODE_H + GAP_Y);
        rowOf.set(n, row);
      });
      row++;
    }
  }
  for (const n of nodes.values()) n.rank = rowOf.get(n) ?? n.rank;
  const height = 40 + row * (NODE_H + GAP_Y);
  const maxCount = Math.max(1, ...edges.map((e) => e.count));
  const maxMean = Math.max(1, ...summary.dfg.map((e) => e.meanSeconds));
  const maxNode = Math.max(1, ...[...nodes.values()].map((n) => n.count));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="process-map" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`,
    // userSpaceOnUse: arrowheads keep one size whatever the edge's width.
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
  );
  for (const e of edges) {
    const a = nodes.get(e.from);
    const b = nodes.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const w = 1 + 7 * Math.sqrt(e.count / maxCount);
    // Performance colour: green (fast) to red (slow), on a square-root scale so a few huge waits do not wash it out.
    const heat = Math.sqrt(e.meanSeconds / maxMean);
    const perf = `hsl(${Math.round(120 - 120 * heat)}, 70%, 42%)`;
    const freq = `hsl(210, 60%, ${Math.round(70 - 40 * Math.sqrt(e.count / maxCount))}%)`;
    let d: string;
    if (b.rank > a.rank) d = `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`;
    else if (a === b) d = `M${a.x + NODE_W},${a.y + 12} C${a.x + NODE_W + 40},${a.y - 10} ${a.x + NODE_W + 40},${a.y + NODE_H + 10} ${a.x + NODE_W},${a.y + NODE_H - 12}`;
    else {
      // Back edges (loops, rework) run up the side so they do not cross the main flow.
      const side = Math.max(a.x, b.x) + NODE_W + 20 + 10 * (a.rank - b.rank);
      d = `M${a.x + NODE_W},${a.y + NODE_H / 2} C${side},${a.y + NODE_H / 2} ${side},${b.y + NODE_H / 2} ${b.x + NODE_W},${b.y + NODE_H / 2}`;
    }
    // Labels on frequent paths only; every edge keeps its numbers in the tooltip.
    const labelled = e.count >= maxCount * 0.05;
    const label = !labelled ? '' : e.meanSeconds > 0 ? `${e.count} · ${formatDuration(e.meanSeconds)}` : String(e.count);
    parts.push(
      `<g class="edge" data-count="${e.count}"><title>${esc(e.from)} → ${esc(e.to)}: ${e.count} times, mean ${formatDuration(e.meanSeconds)}</title>` +
        `<path d="${d}" fill="none" stroke="${perf}" data-perf="${perf}" data-freq="${freq}" stroke-width="${w.toFixed(1)}" marker-end="url(#arrow)" opacity="0.85"/>` +
        (label ? `<text x="${((x1 + x2) / 2 + 4).toFixed(0)}" y="${((y1 + y2) / 2).toFixed(0)}" fill="#333" font-size="10">${esc(label)}</text>` : '') +
        '</g>',
    );
  }
  for (const n of nodes.values()) {
    const terminal = n.name === START || n.name === END;
    const shade = terminal ? '#eee' : `hsl(210, 70%, ${Math.round(94 - 40 * (n.count / maxNode))}%)`;
    const text = n.name.length > 30 ? `${n.name.slice(0, 29)}…` : n.name;
    parts.push(
      `<g class="node"><title>${esc(n.name)}: ${n.count}</title><rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="${terminal ? 22 : 6}" fill="${shade}" stroke="#345"/>` +
        `<text x="${n.x + NODE_W / 2}" y="${n.y + 19}" text-anchor="middle">${esc(text)}</text>` +
        `<text x="${n.x + NODE_W / 2}" y="${n.y + 35}" text-anchor="middle" font-size="10" fill="#456">${terminal ? '' : n.count}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function histogram(durations: readonly number[]): string {
  if (durations.length === 0) return '';
  // A loop, not Math.max(...durations): spreading millions of cases would overflow the argument stack.
  let max = 1;
  for (const d of durations) if (d > max) max = d;
  const bins = 30;
  const counts = new Array<number>(bins).fill(0);
  for (const d of durations) counts[Math.min(bins - 1, Math.floor((d / max) * bins))]! += 1;
  const top = Math.max(...counts, 1);
  const bars = counts
    .map((c, i) => `<rect x="${i * 20}" y="${120 - (110 * c) / top}" width="18" height="${(110 * c) / top}" fill="#4a7ab7"><title>${formatDuration((i * max) / bins)}–${formatDuration(((i + 1) * max) / bins)}: ${c} cases</title></rect>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 140" width="600" height="140" font-size="10" font-family="system-ui">${bars}<text x="0" y="135">0</text><text x="600" y="135" text-anchor="end">${formatDuration(max)}</text></svg>`;
}

export interface ReportInput {
  readonly title: string;
  readonly summary: MiningSummary;
  readonly caseDurationsSeconds?: readonly number[];
  readonly fitness?: FitnessReport;
}

export function renderHtmlReport(input: ReportInput): string {
  const s = input.summary;
  const maxVariant = Math.max(1, ...s.topVariants.map((v) => v.count));
  const maxEdge = Math.max(1, ...s.dfg.map((e) => e.count));
  // Paths taken by fewer than 1 % of the busiest one start hidden: the map opens readable, the slider shows them all.
  const defaultThreshold = Math.max(1, Math.round(maxEdge * 0.01));
  const bottleneckRows = s.bottlenecks
    .map(
      (b, i) =>
        `<tr><td>${i + 1}</td><td>${esc(b.from)} → ${esc(b.to)}</td><td class="n">${b.count}</td><td class="n">${formatDuration(b.meanSeconds)}</td><td class="n">${formatDuration(b.medianSeconds)}</td><td class="n">${formatDuration(b.p90Seconds)}</td><td class="n">${formatDuration(b.totalSeconds)}</td><td class="n">${(100 * b.share).toFixed(1)} %</td></tr>`,
    )
    .join('\n');
  const variantRows = s.topVariants
    .map(
      (v, i) =>
        `<tr><td>${i + 1}</td><td class="n">${v.count}</td><td class="n">${((100 * v.count) / Math.max(1, s.cases)).toFixed(1)} %</td><td><div class="bar" style="width:${(100 * v.count) / maxVariant}%"></div>${v.activities.map(esc).join(' → ')}</td></tr>`,
    )
    .join('\n');
  const activityRows = s.activityStats
    .map(
      (a) =>
        `<tr><td>${esc(a.activity)}</td><td class="n">${a.events}</td><td class="n">${a.cases}</td><td class="n">${a.reworkCases}</td><td class="n">${a.serviceMeanSeconds !== undefined ? formatDuration(a.serviceMeanSeconds) : '–'}</td><td class="n">${a.waitingMeanSeconds !== undefined ? formatDuration(a.waitingMeanSeconds) : '–'}</td></tr>`,
    )
    .join('\n');
  const pingRows = [...s.pingPong.resources.map((p) => ({ ...p, kind: 'resources' })), ...s.pingPong.groups.map((p) => ({ ...p, kind: 'departments' }))]
    .map((p) => `<tr><td>${p.kind}</td><td>${esc(p.a)} ⇄ ${esc(p.b)}</td><td class="n">${p.count}</td><td class="n">${p.cases}</td></tr>`)
    .join('\n');
  const sla = s.sla
    ? `<section><h2>Service levels</h2><p>Against ${esc(s.sla.basis)}: <b>${s.sla.breached}</b> of ${s.sla.casesChecked} cases breached (${(100 * s.sla.breachRate).toFixed(1)} %).</p></section>`
    : '';
  const fitness = input.fitness
    ? `<section><h2>Conformance</h2><table><tr><th></th><th>log fitness</th><th>average trace fitness</th><th>fitting traces</th></tr>
<tr><td>Token replay</td><td class="n">${input.fitness.tokenReplay.logFitness.toFixed(4)}</td><td class="n">${input.fitness.tokenReplay.averageTraceFitness.toFixed(4)}</td><td class="n">${input.fitness.tokenReplay.percentageFittingTraces.toFixed(1)} %</td></tr>
<tr><td>Alignments</td><td class="n">${input.fitness.alignment.logFitness.toFixed(4)}</td><td class="n">${input.fitness.alignment.averageTraceFitness.toFixed(4)}</td><td class="n">${input.fitness.alignment.percentageFittingTraces.toFixed(1)} %</td></tr></table>
<p>${input.fitness.deviations.deviatingCaseCount} deviating cases${input.fitness.deviations.deviatingCases.length ? `: ${input.fitness.deviations.deviatingCases.slice(0, 20).map(esc).join(', ')}` : ''}.</p></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)} · process report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#1d3557;color:#fff;padding:16px 24px}h1{margin:0;font-size:22px}
main{padding:16px 24px;max-width:1400px}section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 16px;margin:12px 0}
.kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:8px 14px}.kpi b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e5e9ef;padding:4px 6px;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}
.bar{height:4px;background:#4a7ab7;margin-bottom:2px}#map-wrap{overflow:auto;max-height:80vh;border:1px solid #e5e9ef}
.controls{display:flex;gap:16px;align-items:center;margin-bottom:8px;font-size:13px}
</style></head>
<body><header><h1>${esc(input.title)}</h1><div>Process report generated by govflow</div></header><main>
<div class="kpis">
<div class="kpi"><b>${s.cases}</b>cases</div><div class="kpi"><b>${s.events}</b>events</div><div class="kpi"><b>${s.activities}</b>activities</div>
<div class="kpi"><b>${s.variants}</b>variants</div><div class="kpi"><b>${formatDuration(s.caseDuration.meanSeconds)}</b>mean case duration</div>
<div class="kpi"><b>${formatDuration(s.caseDuration.medianSeconds)}</b>median case duration</div><div class="kpi"><b>${(100 * s.rework.share).toFixed(1)} %</b>cases with rework</div>
</div>
<section><h2>Process map</h2>
<div class="controls"><label>Hide paths followed fewer than <input id="threshold" type="range" min="1" max="${maxEdge}" value="${defaultThreshold}"> <span id="threshold-value">${defaultThreshold}</span> times</label>
<label><input type="radio" name="colour" value="perf" checked> colour by waiting time</label><label><input type="radio" name="colour" value="freq"> colour by frequency</label></div>
<div id="map-wrap">${renderProcessMapSvg(s)}</div></section>
<section><h2>Bottlenecks</h2><p>Transitions ranked by the total time cases spend between the two activities.</p>
<table id="bottlenecks"><thead><tr><th>#</th><th>transition</th><th>count</th><th>mean</th><th>median</th><th>p90</th><th>total</th><th>share</th></tr></thead><tbody>
${bottleneckRows}
</tbody></table></section>
<section><h2>Variants</h2><p>${s.variants} variants; the most frequent:</p><table id="variants"><thead><tr><th>#</th><th>cases</th><th>share</th><th>activities</th></tr></thead><tbody>
${variantRows}
</tbody></table></section>
<section><h2>Case durations</h2>${histogram(input.caseDurationsSeconds ?? [])}</section>
${sla}${fitness}
<section><h2>Activities, rework, waiting and service time</h2><table><thead><tr><th>activity</th><th>events</th><th>cases</th><th>cases with rework</th><th>mean service</th><th>mean waiting</th></tr></thead><tbody>
${activityRows}
</tbody></table></section>
${pingRows ? `<section><h2>Ping-pong</h2><p>Work handed back and forth (a → b → a) within a case.</p><table><thead><tr><th></th><th>between</th><th>hand-backs</th><th>cases</th></tr></thead><tbody>${pingRows}</tbody></table></section>` : ''}
</main>
<script>
(function () {
  var slider = document.getElementById('threshold');
  var label = document.getElementById('threshold-value');
  function apply() {
    var t = Number(slider.value);
    label.textContent = String(t);
    document.querySelectorAll('#process-map .edge').forEach(function (g) {
      g.style.display = Number(g.getAttribute('data-count')) >= t ? '' : 'none';
    });
  }
  slider.addEventListener('input', apply);
  apply();
  document.querySelectorAll('input[name=colour]').forEach(function (r) {
    r.addEventListener('change', function () {
      var attr = r.value === 'freq' ? 'data-freq' : 'data-perf';
      document.querySelectorAll('#process-map .edge path').forEach(function (p) { p.setAttribute('stroke', p.getAttribute(attr)); });
    });
  });
})();
</script>
</body></html>
`;
}
