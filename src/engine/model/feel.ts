import { evaluate, FeelFunction, parseDate, parseDateTime, parseExpression } from 'feelin';
// FEEL values become JSON variables through the decisions module's one conversion.
import { toJsonValue } from '../../decisions/index.js';
import { GovflowError } from '../../kernel/index.js';

/**
 * FEEL is the only expression language models may use: no JavaScript (or JUEL, Groovy…) from a model is ever
 * evaluated. Zeebe writes expressions with a leading `=`; static values have none.
 */
export function isExpression(text: string): boolean {
  return text.trimStart().startsWith('=');
}

export function stripEquals(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('=') ? trimmed.slice(1).trim() : trimmed;
}

/** Where an expression sits in a model, for messages that let a modeller find it. */
export interface ExpressionSite {
  readonly elementId: string;
  readonly what: string;
  readonly line?: number;
}

/** The position of the first syntax error in `expression`, or undefined when it parses. */
export function feelSyntaxError(expression: string): { from: number; message: string } | undefined {
  if (expression.trim() === '') return { from: 0, message: 'the expression is empty' };
  let error: { from: number; message: string } | undefined;
  try {
    const tree = parseExpression(expression, {}, undefined);
    tree.iterate({
      enter(node) {
        if (error) return false;
        if (node.type.isError) {
          error = { from: node.from, message: `unexpected ${node.from >= expression.length ? 'end of expression' : `'${expression.slice(node.from, node.from + 12)}'`} at position ${node.from + 1}` };
          return false;
        }
        return undefined;
      },
    });
  } catch (cause) {
    error = { from: 0, message: cause instanceof Error ? cause.message : String(cause) };
  }
  return error;
}

export function assertFeel(expression: string, site: ExpressionSite): void {
  const error = feelSyntaxError(expression);
  if (error) {
    throw new GovflowError('GOVFLOW_ERR_FEEL_SYNTAX', `FEEL syntax error in ${site.what} of ${site.elementId}: ${error.message}`, [
      { where: site.elementId, line: site.line, message: `${site.what} '${expression}': ${error.message}` },
    ]);
  }
}

export class FeelEvaluationError extends GovflowError {
  constructor(expression: string, site: ExpressionSite, message: string) {
    super('GOVFLOW_ERR_FEEL_EVALUATION', `${site.what} of ${site.elementId} could not be evaluated: ${message}`, [
      { where: site.elementId, line: site.line, message: `'${expression}': ${message}` },
    ]);
  }
}

/**
 * FEEL's `now()` and `today()` read the step's clock (UTC), not the machine's: a step replayed from the event log
 * must compute the same due dates it computed when it first ran, whenever and wherever it is replayed. Process
 * variables of the same names still win, as before.
 */
function withClock(expression: string, context: Record<string, unknown>, at: Date | undefined): Record<string, unknown> {
  if (!at || !/\b(now|today)\b/.test(expression)) return context;
  const iso = at.toISOString();
  return { now: new FeelFunction(() => parseDateTime(iso), []), today: new FeelFunction(() => parseDate(iso.slice(0, 10)), []), ...context };
}

/** Evaluates FEEL against a context; throws a coded error on a syntax or evaluation failure. */
export function evaluateFeel(expression: string, context: Record<string, unknown>, site: ExpressionSite, at?: Date): unknown {
  let result: ReturnType<typeof evaluate>;
  try {
    result = evaluate(expression, withClock(expression, context, at));
  } catch (cause) {
    throw new FeelEvaluationError(expression, site, cause instanceof Error ? cause.message : String(cause));
  }
  // A missing variable is null (as in Zeebe), but calling a function that does not exist is a failure, not null.
  const failure = result.warnings?.find((w) => w.type === 'NO_FUNCTION_FOUND');
  if (failure) {
    const position = (failure as { position?: { from: number; to: number } }).position;
    const callee = position ? expression.slice(position.from, position.to).replace(/\s*\([\s\S]*$/, '') : '';
    throw new FeelEvaluationError(expression, site, callee ? `no function named '${callee}'` : failure.message);
  }
  return toJsonValue(result.value);
}

/** A mapping source or attribute value: FEEL when it starts with `=`, otherwise the text itself. */
export function evaluateValue(text: string, context: Record<string, unknown>, site: ExpressionSite, at?: Date): unknown {
  return isExpression(text) ? evaluateFeel(stripEquals(text), context, site, at) : text;
}
