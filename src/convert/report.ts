import type { ConvertNote, ConvertResult } from './convert.js';

/**
 * The converter's report, in the shape of Camunda's Migration Analyzer: one row per element and finding, with
 * severity, message and a link to what the finding means. As JSON for tools, as a text table for people.
 */
export interface ReportRow {
  readonly line: number;
  readonly elementId: string;
  readonly elementType: string;
  readonly attribute: string | null;
  readonly severity: 'INFO' | 'REVIEW' | 'BLOCKED';
  readonly message: string;
  readonly link: string;
}

export interface ConvertReport {
  readonly source: string;
  readonly converted: boolean;
  readonly summary: { readonly info: number; readonly review: number; readonly blocked: number };
  readonly rows: readonly ReportRow[];
}

const LINK: Record<ConvertNote['severity'], string> = {
  info: 'docs/convert.md#what-is-converted',
  review: 'docs/convert.md#what-to-review',
  blocked: 'docs/convert.md#what-is-blocked',
};

export function convertReport(source: string, result: Pick<ConvertResult, 'changes' | 'blocked'>): ConvertReport {
  const rows = [...result.changes, ...result.blocked]
    .sort((a, b) => a.line - b.line)
    .map((n): ReportRow => ({
      line: n.line, elementId: n.elementId, elementType: n.elementType, attribute: n.attribute ?? null,
      severity: n.severity === 'info' ? 'INFO' : n.severity === 'review' ? 'REVIEW' : 'BLOCKED', message: n.message, link: LINK[n.severity],
    }));
  const count = (s: ConvertNote['severity']) => [...result.changes, ...result.blocked].filter((n) => n.severity === s).length;
  return { source, converted: result.blocked.length === 0, summary: { info: count('info'), review: count('review'), blocked: count('blocked') }, rows };
}

/** The report as a text table; long messages wrap inside their column so the table stays readable in a terminal. */
export function formatReport(report: ConvertReport, width = 120): string {
  const head = ['Line', 'Element', 'Type', 'Severity', 'Message'];
  const cells = report.rows.map((r) => [String(r.line), r.elementId, r.elementType, r.severity, `${r.attribute && !r.message.includes(r.attribute) ? `${r.attribute}: ` : ''}${r.message}`]);
  const widths = head.map((h, i) => Math.min(i === 4 ? Infinity : 28, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const fixed = widths.slice(0, 4).reduce((a, b) => a + b + 2, 0);
  widths[4] = Math.max(30, width - fixed);
  const wrap = (text: string, w: number): string[] => {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + 1 + word.length > w) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line];
  };
  const row = (c: string[]): string[] => {
    const wrapped = c.map((text, i) => (i === 4 ? wrap(text, widths[4]!) : [text.length > widths[i]! ? `${text.slice(0, widths[i]! - 1)}…` : text]));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) => wrapped.map((w, i) => (w[k] ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
  };
  const out = [
    `${report.source}: ${report.converted ? 'converted' : 'NOT converted'}: ${report.summary.info} info, ${report.summary.review} to review, ${report.summary.blocked} blocked`,
    '',
    ...row(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...report.rows.flatMap((r, i) => row(cells[i]!)),
  ];
  return out.join('\n');
}
