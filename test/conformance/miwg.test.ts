import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { compileBpmn } from '../../src/engine/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';

const skip = skipWithoutSharedData('bpmn-miwg/');
const DIR = new URL(`file://${sharedPath('bpmn-miwg/')}`);

/**
 * Constructs the engine does not execute, found here by a plain scan of the XML (independent of the compiler):
 * every one of them must be named in the refusal.
 */
const UNSUPPORTED_TAGS = ['complexGateway', 'adHocSubProcess', 'standardLoopCharacteristics'];

function unsupportedIds(xml: string): { id: string; tag: string }[] {
  const found: { id: string; tag: string }[] = [];
  for (const tag of UNSUPPORTED_TAGS) {
    const pattern = new RegExp(`<(?:\\w+:)?${tag}\\b[^>]*?(?:\\sid="([^"]*)")?[^>]*>`, 'g');
    for (const m of xml.matchAll(pattern)) {
      // Event definitions and loop markers are reported on the element that holds them: the last opening tag
      // with an id before them.
      const owner = tag.endsWith('EventDefinition') || tag === 'standardLoopCharacteristics'
        ? [...xml.slice(0, m.index).matchAll(/<([\w:.-]+)(\s[^>]*)?>/g)]
            .filter((o) => !/Definition$|extensionElements|documentation/.test(o[1]!) && /\sid="/.test(o[2] ?? '') && !(o[2] ?? '').endsWith('/'))
            .map((o) => /\sid="([^"]*)"/.exec(o[2]!)![1]).at(-1)
        : m[1];
      if (owner) found.push({ id: owner, tag });
    }
  }
  return found;
}

/** Script tasks in a language other than FEEL and JUEL expressions must be named too. */
function foreignExpressions(xml: string): string[] {
  const ids: string[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?scriptTask\b[^>]*\bid="([^"]*)"[^>]*scriptFormat="([^"]*)"/g)) if (m[2]!.toLowerCase() !== 'feel') ids.push(m[1]!);
  return ids;
}

describe('BPMN MIWG reference models', { skip }, async () => {
  const files = skip ? [] : (await readdir(DIR)).filter((f) => f.endsWith('.bpmn')).sort();

  it('the suite has its 21 models', () => {
    assert.equal(files.length, 21);
  });

  for (const file of files) {
    it(`${file} deploys or is refused naming every unsupported element`, async () => {
      const xml = await readFile(new URL(file, DIR), 'utf8');
      let refusal: GovflowError | undefined;
      try {
        const compiled = await compileBpmn(xml, file);
        assert.ok(compiled.processes.length > 0);
      } catch (error) {
        assert.ok(error instanceof GovflowError, `${file}: a coded error, not ${String(error)}`);
        refusal = error;
      }
      const expected = [...unsupportedIds(xml).map((u) => u.id), ...foreignExpressions(xml)];
      if (!refusal) {
        assert.deepEqual(expected, [], `${file} deployed although it contains unsupported constructs`);
        return;
      }
      assert.notEqual(refusal.code, 'GOVFLOW_ERR_INTERNAL');
      assert.ok(refusal.details.length > 0, 'the refusal lists its reasons');
      for (const detail of refusal.details) {
        assert.ok(detail.where, `${file}: every reason names where (${detail.message})`);
        assert.ok(detail.message.length > 0);
      }
      for (const id of expected) {
        assert.ok(refusal.details.some((d) => d.where === id), `${file}: the refusal names ${id}`);
      }
      const withLines = refusal.details.filter((d) => d.line !== undefined && d.line > 0);
      assert.ok(withLines.length > 0, `${file}: reasons point at lines`);
    });
  }

  for (const file of ['C.9.0.bpmn', 'C.9.1.bpmn', 'C.9.2.bpmn', 'A.1.0.bpmn', 'A.2.0.bpmn', 'A.4.0.bpmn', 'A.4.1.bpmn', 'C.8.0.bpmn', 'C.8.1.bpmn']) {
    it(`${file} deploys`, async () => {
      const xml = await readFile(new URL(file, DIR), 'utf8');
      const compiled = await compileBpmn(xml, file);
      assert.ok(compiled.processes.length > 0);
    });
  }
});
