/**
 * One of each (issue 14): one constant-time comparison (`safeEqual`, src/kernel/safe-equal.ts), one ISO 8601
 * duration/period module (src/kernel/iso-time.ts), one FEEL value conversion (`toJsonValue`, src/decisions/values.ts),
 * one demo-citizen list (src/identity/demo-organisation.ts), and command-line arguments only through node:util's
 * parseArgs (src/cli/args.ts, and main.ts for the command name). A second copy written anywhere in src/ fails here,
 * naming the file; each rule also runs on a planted copy.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

interface Rule {
  readonly what: string;
  readonly pattern: RegExp;
  /** The only files allowed to match. */
  readonly home: readonly string[];
}

const RULES: readonly Rule[] = [
  { what: 'a constant-time comparison (use safeEqual from kernel/)', pattern: /\btimingSafeEqual\b/, home: ['src/kernel/safe-equal.ts'] },
  { what: 'an ISO 8601 duration parser (use kernel/iso-time.ts)', pattern: /\/\^?\[?[+-]?\]?\??P\[?\(|function (parseIso\w*|isoPeriod|addDuration)\b/, home: ['src/kernel/iso-time.ts'] },
  { what: 'a FEEL value conversion (use toJsonValue from decisions/)', pattern: /function toJsonValue\b|instanceof FeelDate\w*\s*\)\s*return\s+\w+\.toString/, home: ['src/decisions/values.ts'] },
  { what: 'a list of demo citizens (use DEMO_CITIZENS from identity/)', pattern: /['"`]demo-citizen-\w+['"`]/, home: ['src/identity/demo-organisation.ts'] },
  { what: 'command-line parsing outside parseArgs (use src/cli/args.ts)', pattern: /\bprocess\.argv\b|\bparseArgs\(/, home: ['src/cli/args.ts', 'src/cli/main.ts'] },
];

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (entry.name.endsWith('.ts')) out.push(full.split(path.sep).join('/'));
  }
  return out;
}

function strays(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    for (const [file, text] of files) if (!rule.home.includes(file) && rule.pattern.test(text)) found.push(`${file}: ${rule.what}`);
  }
  return found.sort();
}

describe('one of each', () => {
  it('no second safeEqual, ISO 8601 duration parser, FEEL value conversion, demo-citizen list or argv parser in src/', () => {
    const files = new Map(sources('src').map((f) => [f, readFileSync(f, 'utf8')]));
    for (const rule of RULES) for (const home of rule.home) assert.ok(rule.pattern.test(files.get(home) ?? ''), `${home} still holds ${rule.what}`);
    assert.deepEqual(strays(files), []);
  });

  it('finds planted copies', () => {
    const planted = new Map([
      ['src/ops/x.ts', "import { timingSafeEqual } from 'node:crypto';"],
      ['src/workbench/y.ts', 'const ISO = /^P(\\d+D)?$/;'],
      ['src/portal/z.ts', "const ids = ['demo-citizen-kim'];"],
      ['src/cli/commands/w.ts', 'const file = process.argv[2];'],
      ['src/engine/v.ts', 'export function toJsonValue(v: unknown): unknown { return v; }'],
    ]);
    assert.equal(strays(planted).length, 5);
  });
});
