/**
 * Server-rendered SVG charts: no script, a title and description for assistive technology, and always beside a
 * data table and a sentence that say the same (the chart is `aria-hidden` only where the table repeats it).
 */
import { formatNumber } from '../i18n/index.js';
import { html, type SafeHtml } from '../web/index.js';

export interface Series {
  readonly label: string;
  /** One value per category; null is a withheld value (drawn as a gap with a dash). */
  readonly values: readonly (number | null)[];
  /** A GOV.UK palette colour with enough contrast on white (WCAG 1.4.11: 3:1 for graphics). */
  readonly colour: string;
}

const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 44, right: 12, top: 16, bottom: 48 };

/** Grouped bars, one group per category. `id` makes the title/description ids unique on the page. */
export function barChart(id: string, title: string, description: string, categories: readonly string[], series: readonly Series[]): SafeHtml {
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const group = plotW / Math.max(1, categories.length);
  const bar = Math.max(2, (group * 0.8) / Math.max(1, series.length));
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  // Label every nth category so that the labels never overlap.
  const every = Math.max(1, Math.ceil(categories.length / 10));
  return html`<svg class="gf-chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${ticks.map((t) => html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#b1b4b6" stroke-width="1"/><text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#0b0c0c">${formatNumber(t)}</text>`)}
${categories.map((c, ci) => html`<g>${series.map((s, si) => {
    const v = s.values[ci];
    const x = PAD.left + ci * group + group * 0.1 + si * bar;
    return v === null || v === undefined
      ? html`<text x="${(x + bar / 2).toFixed(1)}" y="${(y(0) - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#0b0c0c">–</text>`
      : html`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${s.colour}"/>`;
  })}${ci % every === 0 ? html`<text x="${(PAD.left + ci * group + group / 2).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#0b0c0c">${c}</text>` : ''}</g>`)}
${series.map((s, si) => html`<rect x="${PAD.left + si * 150}" y="${HEIGHT - 18}" width="12" height="12" fill="${s.colour}"/><text x="${PAD.left + si * 150 + 16}" y="${HEIGHT - 8}" font-size="12" fill="#0b0c0c">${s.label}</text>`)}
</svg>`;
}

function niceStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const n = raw / magnitude;
  return Math.max(1, (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude);
}
