/**
 * `npm run audit` (scripts/audit.ts): how npm audit's JSON is judged. Property tests over generated reports and
 * error objects, plus the real npm error this machine gets (405 from the audit endpoint).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { auditVerdict, judgeAuditOutput, productionDependencies, SEVERITIES } from '../../scripts/audit.js';

const counts = fc.record({ info: fc.nat(50), low: fc.nat(50), moderate: fc.nat(50), high: fc.nat(50), critical: fc.nat(50) });

describe('npm run audit: judging npm audit --json', () => {
  it('fails exactly when a report has a high or critical advisory', () => {
    fc.assert(fc.property(counts, (c) => {
      const judged = judgeAuditOutput(JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { ...c, total: 0 } } }));
      assert.equal(judged.kind, 'report');
      assert.equal(auditVerdict(judged).exit, c.high > 0 || c.critical > 0 ? 1 : 0);
      // strict changes nothing for a real report
      assert.equal(auditVerdict(judged, { strict: true }).exit, c.high > 0 || c.critical > 0 ? 1 : 0);
    }));
  });

  it('treats npm\'s error object as "could not check": a warning, exit 0 (1 with --strict), never a clean report', () => {
    const real = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } });
    fc.assert(fc.property(fc.oneof(fc.constant(real), fc.record({ message: fc.string(), statusCode: fc.integer({ min: 100, max: 599 }) }).map((o) => JSON.stringify(o)),
      fc.record({ error: fc.record({ code: fc.constantFrom('ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN'), summary: fc.string() }) }).map((o) => JSON.stringify(o))), (text) => {
      const judged = judgeAuditOutput(text);
      assert.equal(judged.kind, 'unreachable');
      const v = auditVerdict(judged);
      assert.equal(v.exit, 0);
      assert.match(v.lines[0]!, /^WARNING: /);
      assert.match(v.lines.join('\n'), /Nothing was checked/);
      assert.equal(auditVerdict(judged, { strict: true }).exit, 1);
    }));
    assert.match((judgeAuditOutput(real) as { reason: string }).reason, /405 Method Not Allowed.*\(HTTP 405\)/);
  });

  it('never throws and never calls arbitrary output a clean report', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
      const judged = judgeAuditOutput(text);
      if (judged.kind === 'report') {
        // only when the text really holds metadata.vulnerabilities as an object
        const parsed = JSON.parse(text) as { metadata?: { vulnerabilities?: unknown } };
        assert.ok(parsed.metadata?.vulnerabilities !== null && typeof parsed.metadata?.vulnerabilities === 'object');
        for (const s of SEVERITIES) assert.ok(Number.isSafeInteger(judged.counts[s]) && judged.counts[s] >= 0);
      }
    }));
    assert.equal(judgeAuditOutput('').kind, 'unreadable');
    assert.equal(judgeAuditOutput('[]').kind, 'unreadable');
    assert.equal(judgeAuditOutput('{"auditReportVersion":2}').kind, 'unreadable');
    // counts that are not counts are not taken as advisories, nor as proof of none elsewhere
    const odd = judgeAuditOutput(JSON.stringify({ metadata: { vulnerabilities: { high: '3', critical: -1, low: 1.5 } } }));
    assert.deepEqual(odd, { kind: 'report', counts: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 } });
  });

  it('lists every production dependency of package.json with its installed version', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const listed = productionDependencies(process.cwd());
    assert.equal(listed.length, Object.keys(pkg.dependencies).length);
    const fastify = JSON.parse(await readFile('node_modules/fastify/package.json', 'utf8')) as { version: string };
    assert.ok(listed.includes(`fastify@${fastify.version} (wanted ${pkg.dependencies['fastify']})`), listed.join('\n'));
  });
});
