import { parseArgs } from 'node:util';
import { GovflowError } from '../kernel/index.js';

/** The option table of one command, as node:util parseArgs takes it. */
export type OptionTable = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function usageError(message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_VALIDATION', message);
}

/**
 * The one argument parser of every govflow command: node:util parseArgs in strict mode, its errors turned into a
 * user error that names the flag (`unknown option --fats`, `--case needs a value`), never a stack trace.
 * `maxPositionals` bounds the plain arguments (files, ids); more are refused by name.
 */
export function parseCommandArgs<const O extends OptionTable>(argv: readonly string[], options: O, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usageError(`unknown option ${flag ?? message}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      throw usageError(/does not take an argument/.test(message) ? `${flag} takes no value` : `${flag} needs a value`);
    }
    throw usageError(message);
  }
  const extra = parsed.positionals.slice(maxPositionals);
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'${maxPositionals === 0 ? ': this command takes options only' : ''}`);
  return parsed;
}

/** A numeric flag: `fallback` when absent, else a number within the range or an error naming the flag. */
export function numberFlag(flag: string, value: string | undefined, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const { min = -Infinity, max = Infinity, integer = false } = range;
  // Plain decimals only: Number() would also take ' 1', '1e3', '0x10' and 'Infinity'.
  if (!/^-?\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const bounds = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : max < Infinity ? ` of at most ${max}` : '';
    throw usageError(`${flag} must be a ${integer ? 'whole ' : ''}number${bounds}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** A flag with a fixed set of values. */
export function choiceFlag<const C extends string>(flag: string, value: string | undefined, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as C;
  throw usageError(`${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, not ${JSON.stringify(value)}`);
}

/** The positional argument a command cannot do without. */
export function requiredPositional(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw usageError(`name ${what}`);
  return value;
}
