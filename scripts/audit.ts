/**
 * `npm run audit`: `npm audit --omit=dev --json`, judged. Exit 1 when a production dependency has a high or
 * critical advisory; exit 0 otherwise. When the registry's audit endpoint cannot be used (some networks answer 405
 * to its POST, or there is no network), that is said plainly, the production dependencies and their installed
 * versions are listed for a manual check, and the exit is 0 with a warning: an unreachable endpoint is not a clean
 * bill of health, but it must not block work either (docs/security.md). `--strict` makes "could not check" fail too
 * (for CI that can reach the registry); `--list` prints the dependency list after a successful audit as well.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AuditJudgement =
  | { readonly kind: 'report'; readonly counts: Readonly<Record<Severity, number>> }
  | { readonly kind: 'unreachable' | 'unreadable'; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads what `npm audit --json` printed: an audit report (counts per severity from `metadata.vulnerabilities`, 0
 * when absent or not a count), npm's error object (`message`/`error`: the endpoint could not be used), or anything
 * else (not JSON, neither shape), which is "unreadable" — never taken as a clean report.
 */
export function judgeAuditOutput(text: string): AuditJudgement {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: 'npm audit did not print JSON' };
  }
  if (!isObject(parsed)) return { kind: 'unreadable', reason: 'npm audit printed JSON that is not an object' };
  const metadata = parsed['metadata'];
  const vulnerabilities = isObject(metadata) ? metadata['vulnerabilities'] : undefined;
  if (isObject(vulnerabilities)) {
    const counts = {} as Record<Severity, number>;
    for (const severity of SEVERITIES) {
      const n = vulnerabilities[severity];
      counts[severity] = typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
    }
    return { kind: 'report', counts };
  }
  const error = parsed['error'];
  if (typeof parsed['message'] === 'string' || isObject(error)) {
    const status = typeof parsed['statusCode'] === 'number' && Number.isInteger(parsed['statusCode']) ? ` (HTTP ${parsed['statusCode']})` : '';
    const code = isObject(error) && typeof error['code'] === 'string' ? ` [${error['code'].slice(0, 40)}]` : '';
    const summary = isObject(error) && typeof error['summary'] === 'string' && error['summary'] ? error['summary'] : 'npm audit reported an error';
    const message = typeof parsed['message'] === 'string' && parsed['message'] ? parsed['message'] : summary;
    return { kind: 'unreachable', reason: `${message.slice(0, 300)}${status}${code}` };
  }
  return { kind: 'unreadable', reason: 'npm audit printed neither a report nor an error' };
}

/** The exit code and the lines to print for a judgement. */
export function auditVerdict(judged: AuditJudgement, options: { strict?: boolean } = {}): { exit: 0 | 1; lines: string[] } {
  if (judged.kind === 'report') {
    const bad = judged.counts.high + judged.counts.critical;
    const summary = SEVERITIES.map((s) => `${s} ${judged.counts[s]}`).join(', ');
    return bad > 0
      ? { exit: 1, lines: [`npm audit --omit=dev: ${bad} high or critical advisories (${summary}). Run \`npm audit --omit=dev\` for details.`] }
      : { exit: 0, lines: [`npm audit --omit=dev: no high or critical advisories (${summary}).`] };
  }
  const what = judged.kind === 'unreachable' ? "the registry's audit endpoint could not be used" : "npm audit's output could not be read";
  return {
    exit: options.strict ? 1 : 0,
    lines: [`WARNING: ${what}: ${judged.reason}.`, 'Nothing was checked: check the production dependencies below by hand (docs/security.md).'],
  };
}

/** Every production dependency from package.json with the version installed in node_modules (or "not installed"). */
export function productionDependencies(root: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).sort().map((name) => {
    try {
      const installed = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
      return `${name}@${installed.version ?? '?'} (wanted ${pkg.dependencies![name]})`;
    } catch {
      return `${name}: not installed (wanted ${pkg.dependencies![name]})`;
    }
  });
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const strict = process.argv.includes('--strict');
  const audit = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  const judged: AuditJudgement = audit.error ? { kind: 'unreachable', reason: audit.error.message } : judgeAuditOutput(audit.stdout);
  const { exit, lines } = auditVerdict(judged, { strict });
  const print = judged.kind === 'report' && exit === 0 ? console.log : console.error;
  for (const line of lines) print(line);
  if (judged.kind !== 'report' || process.argv.includes('--list')) {
    const deps = productionDependencies(root);
    print(`Production dependencies (${deps.length}):`);
    for (const dep of deps) print(`  ${dep}`);
  }
  process.exitCode = exit;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
