import { extension, prop, text, type Node } from './moddle-read.js';
import type { EventSpec } from './types.js';

/**
 * Conditional events (start, boundary, intermediate catch): a FEEL condition, and optionally a filter saying which
 * variable changes make the engine evaluate it again (`zeebe:conditionalFilter variableNames="a, b"
 * variableEvents="create, update"`; Camunda 7 writes `camunda:variableName` and `camunda:variableEvents` on the
 * definition). Without a filter every variable change does.
 */
export interface ConditionalReport {
  invalid(what: string): void;
  unsupported(what: string): void;
}

const EVENTS = new Set(['create', 'update']);

export function compileConditional(definition: Node, id: string, feelBody: (expression: Node) => string | undefined, report: ConditionalReport): EventSpec | undefined {
  const expression = prop<Node>(definition, 'condition');
  if (!expression) {
    report.invalid(`conditional event ${id} has no condition`);
    return undefined;
  }
  const condition = feelBody(expression);
  if (condition === undefined) return undefined;
  if (condition === '') {
    report.invalid(`conditional event ${id} has an empty condition`);
    return undefined;
  }
  const filter = extension(definition, 'zeebe:ConditionalFilter');
  const names = list(text(filter, 'variableNames') ?? text(definition, 'variableName'));
  const events = list(text(filter, 'variableEvents') ?? text(definition, 'variableEvents'));
  const unknown = events.filter((e) => !EVENTS.has(e));
  if (unknown.length > 0) {
    // Camunda 7 also has `delete`; govflow never deletes a variable, so such a filter would silently never match.
    report.unsupported(`variable event${unknown.length > 1 ? 's' : ''} '${unknown.join(', ')}' of conditional event ${id} ${unknown.length > 1 ? 'are' : 'is'} not supported; use create and/or update`);
    return undefined;
  }
  return {
    kind: 'conditional',
    condition,
    ...(names.length > 0 ? { variableNames: names } : {}),
    ...(events.length > 0 ? { variableEvents: events as ('create' | 'update')[] } : {}),
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
