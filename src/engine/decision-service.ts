import { createHash } from 'node:crypto';
import { evaluateDecision, parseDmn, type DmnModel } from '../decisions/index.js';
import type { DecisionEngine } from './views.js';

/**
 * The engine's default decision service: DMN through the decisions module. A DMN file is compiled once per
 * content (deployed resources are immutable, so the checksum is a safe cache key) and evaluated purely, with the
 * step's clock as FEEL's now() and today().
 */
export function createDmnDecisionService(maxModels = 200): DecisionEngine {
  const cache = new Map<string, DmnModel>();
  const compiled = (xml: string, source: string): DmnModel => {
    const key = createHash('sha256').update(xml).digest('hex');
    let model = cache.get(key);
    if (!model) {
      model = parseDmn(xml, source);
      if (cache.size >= maxModels) cache.delete(cache.keys().next().value!);
      cache.set(key, model);
    }
    return model;
  };
  return {
    describe: (xml, source) => ({ decisions: compiled(xml, source).decisions.map((d) => ({ id: d.id, name: d.name, ...(d.versionTag ? { versionTag: d.versionTag } : {}) })) }),
    evaluate: (xml, source, decisionId, context, now) => {
      const result = evaluateDecision(compiled(xml, source), decisionId, context, { now });
      return { value: result.value, explanation: { decisionId: result.decisionId, warnings: result.warnings, trace: result.explanation } };
    },
  };
}
