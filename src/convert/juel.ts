/**
 * JUEL (Camunda 7's expression language) to FEEL, for the subset that has an exact FEEL equivalent. Anything
 * outside the subset throws {@link JuelUntranslatable} naming the construct, so the converter reports it as
 * blocked instead of guessing: a translation must never change which way a gateway goes.
 */

export class JuelUntranslatable extends Error {}

type Node =
  | { k: 'lit'; feel: string }
  | { k: 'id'; name: string }
  | { k: 'member'; obj: Node; name: string }
  | { k: 'index'; obj: Node; index: Node }
  | { k: 'call'; obj: Node | undefined; name: string; args: Node[] }
  | { k: 'unary'; op: 'not' | '-' | 'empty'; arg: Node }
  | { k: 'bin'; op: string; left: Node; right: Node }
  | { k: 'cond'; test: Node; then: Node; else: Node };

interface Token { t: 'num' | 'str' | 'id' | 'op'; v: string }

const KEYWORD_OPS: Record<string, string> = { and: '&&', or: '||', not: '!', eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', div: '/', mod: '%' };
const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '(', ')', '[', ']', '.', ','];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        // EL escapes only quotes and the backslash; any other backslash is literal.
        if (src[j] === '\\' && (src[j + 1] === '"' || src[j + 1] === "'" || src[j + 1] === '\\')) j++;
        value += src[j];
      }
      if (j >= src.length) throw new JuelUntranslatable('a string literal is not closed');
      tokens.push({ t: 'str', v: value });
      i = j + 1;
      continue;
    }
    const num = /^(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) { tokens.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (word) {
      const op = KEYWORD_OPS[word[0]];
      tokens.push(op ? { t: 'op', v: op } : { t: 'id', v: word[0] });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new JuelUntranslatable(`'${c}' is not part of the JUEL subset govflow translates`);
    tokens.push({ t: 'op', v: op });
    i += op.length;
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}
  parse(): Node {
    const node = this.ternary();
    if (this.at < this.tokens.length) throw new JuelUntranslatable(`unexpected '${this.tokens[this.at]!.v}'`);
    return node;
  }
  private peek(v?: string): boolean {
    const t = this.tokens[this.at];
    return t !== undefined && (v === undefined || (t.t === 'op' && t.v === v) || (t.t === 'id' && t.v === v));
  }
  private eat(v: string): void {
    if (!this.peek(v)) throw new JuelUntranslatable(`expected '${v}'${this.tokens[this.at] ? ` before '${this.tokens[this.at]!.v}'` : ' at the end'}`);
    this.at++;
  }
  private ternary(): Node {
    const test = this.binary(0);
    if (!this.peek('?')) return test;
    this.eat('?');
    const then = this.ternary();
    this.eat(':');
    return { k: 'cond', test, then, else: this.ternary() };
  }
  private static readonly LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
  private binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.tokens[this.at];
      if (!t || t.t !== 'op' || !Parser.LEVELS[level]!.includes(t.v)) return left;
      this.at++;
      left = { k: 'bin', op: t.v, left, right: this.binary(level + 1) };
    }
  }
  private unary(): Node {
    const t = this.tokens[this.at];
    if (t?.t === 'op' && (t.v === '!' || t.v === '-')) {
      this.at++;
      return { k: 'unary', op: t.v === '!' ? 'not' : '-', arg: this.unary() };
    }
    if (t?.t === 'id' && t.v === 'empty') {
      this.at++;
      return { k: 'unary', op: 'empty', arg: this.unary() };
    }
    return this.postfix(this.primary());
  }
  private primary(): Node {
    const t = this.tokens[this.at++];
    if (!t) throw new JuelUntranslatable('the expression ends too early');
    if (t.t === 'num') return { k: 'lit', feel: String(Number(t.v)) === t.v || /^\d+$/.test(t.v) ? t.v : String(Number(t.v)) };
    if (t.t === 'str') return { k: 'lit', feel: JSON.stringify(t.v) };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false' || t.v === 'null') return { k: 'lit', feel: t.v };
      if (this.peek('(')) return { k: 'call', obj: undefined, name: t.v, args: this.args() };
      return { k: 'id', name: t.v };
    }
    if (t.v === '(') {
      const inner = this.ternary();
      this.eat(')');
      return inner;
    }
    throw new JuelUntranslatable(`unexpected '${t.v}'`);
  }
  private args(): Node[] {
    this.eat('(');
    const args: Node[] = [];
    while (!this.peek(')')) {
      args.push(this.ternary());
      if (!this.peek(')')) this.eat(',');
    }
    this.eat(')');
    return args;
  }
  private postfix(node: Node): Node {
    for (;;) {
      if (this.peek('.')) {
        this.at++;
        const name = this.tokens[this.at++];
        if (name?.t !== 'id') throw new JuelUntranslatable('a property name must follow "."');
        node = this.peek('(') ? { k: 'call', obj: node, name: name.v, args: this.args() } : { k: 'member', obj: node, name: name.v };
      } else if (this.peek('[')) {
        this.at++;
        const index = this.ternary();
        this.eat(']');
        node = { k: 'index', obj: node, index };
      } else {
        return node;
      }
    }
  }
}

const FEEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// FEEL keywords cannot stand alone as a variable name.
const FEEL_RESERVED = new Set(['true', 'false', 'null', 'and', 'or', 'not', 'if', 'then', 'else', 'for', 'in', 'return', 'some', 'every', 'satisfies', 'instance', 'of', 'function', 'between']);

export interface FeelOptions {
  /** Variable renames, e.g. multi-instance `nrOfInstances` → `numberOfInstances` in a completion condition. */
  readonly rename?: Readonly<Record<string, string>>;
}

function name(n: string): string {
  if (!FEEL_NAME.test(n) || FEEL_RESERVED.has(n)) throw new JuelUntranslatable(`the variable name '${n}' is a FEEL keyword or not a FEEL name; rename the variable`);
  return n;
}

/** Whether a FEEL fragment needs parentheses to be an operand. */
function atom(n: Node, opts: FeelOptions): string {
  const s = print(n, opts);
  return n.k === 'lit' || n.k === 'id' || n.k === 'member' || n.k === 'index' || n.k === 'call' ? s : `(${s})`;
}

const BIN: Record<string, string> = { '||': 'or', '&&': 'and', '==': '=', '!=': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=', '+': '+', '-': '-', '*': '*', '/': '/' };

function print(n: Node, opts: FeelOptions): string {
  switch (n.k) {
    case 'lit':
      return n.feel;
    case 'id':
      if (n.name === 'execution' || n.name === 'task' || n.name === 'authenticatedUserId') throw new JuelUntranslatable(`'${n.name}' is a Camunda 7 engine object; FEEL sees only variables`);
      return name(opts.rename?.[n.name] ?? n.name);
    case 'member':
      return FEEL_NAME.test(n.name) && !FEEL_RESERVED.has(n.name) ? `${atom(n.obj, opts)}.${n.name}` : `get value(${print(n.obj, opts)}, ${JSON.stringify(n.name)})`;
    case 'index': {
      // JUEL lists count from 0, FEEL lists from 1; a string index reads a map entry.
      if (n.index.k === 'lit' && n.index.feel.startsWith('"')) return `get value(${print(n.obj, opts)}, ${n.index.feel})`;
      if (n.index.k === 'lit' && /^\d+$/.test(n.index.feel)) return `${atom(n.obj, opts)}[${Number(n.index.feel) + 1}]`;
      throw new JuelUntranslatable('an index that is not a literal (list[i] or map[key]) may be a list position or a map key; FEEL writes them differently');
    }
    case 'call':
      return call(n, opts);
    case 'unary': {
      if (n.op === 'not') return `not(${print(n.arg, opts)})`;
      if (n.op === '-') return `-${atom(n.arg, opts)}`;
      // JUEL `empty`: null, "", or an empty list or map (Camunda 7's JUEL); FEEL asks each kind by type so that a
      // number is never compared with "" (which is null in FEEL, not false).
      const x = atom(n.arg, opts);
      return `(if ${x} = null then true else if ${x} instance of string then ${x} = "" else if ${x} instance of list then count(${x}) = 0 else if ${x} instance of context then count(get entries(${x})) = 0 else false)`;
    }
    case 'bin': {
      if (n.op === '%') throw new JuelUntranslatable('% (mod) keeps the sign of the dividend in JUEL and of the divisor in FEEL; write the condition without it');
      const op = BIN[n.op]!;
      if (n.op === '+' && (isString(n.left) || isString(n.right))) throw new JuelUntranslatable('+ on a string adds numbers in JUEL (the string is read as a number) and joins strings in FEEL');
      return `${operand(n.left, n.op, opts)} ${op} ${operand(n.right, n.op, opts)}`;
    }
    case 'cond': {
      const part = (x: Node) => (x.k === 'cond' ? `(${print(x, opts)})` : print(x, opts));
      return `if ${part(n.test)} then ${part(n.then)} else ${part(n.else)}`;
    }
  }
}

function isString(n: Node): boolean {
  return n.k === 'lit' && n.feel.startsWith('"');
}

const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6 };

/** Parenthesises an operand unless it binds tighter than the operator it sits under. */
function operand(n: Node, parentOp: string, opts: FeelOptions): string {
  const s = print(n, opts);
  if (n.k === 'bin' && PRECEDENCE[n.op]! > PRECEDENCE[parentOp]!) return s;
  if (n.k === 'bin' || n.k === 'cond') return `(${s})`;
  return s;
}

const DATE_UNITS: Record<string, (n: number) => string> = {
  plusYears: (n) => `P${n}Y`, plusMonths: (n) => `P${n}M`, plusWeeks: (n) => `P${7 * n}D`, plusDays: (n) => `P${n}D`,
  plusHours: (n) => `PT${n}H`, plusMinutes: (n) => `PT${n}M`, plusSeconds: (n) => `PT${n}S`,
};

const SPIN_VALUES = new Set(['numberValue', 'stringValue', 'boolValue', 'value']);

function isDateTime(n: Node): boolean {
  return n.k === 'call' && ((n.obj === undefined && n.name === 'dateTime' && n.args.length === 0) || (n.obj !== undefined && n.name in DATE_UNITS && isDateTime(n.obj)));
}

function call(n: Extract<Node, { k: 'call' }>, opts: FeelOptions): string {
  const { obj, args } = n;
  if (obj?.k === 'id' && obj.name === 'execution' && n.name === 'getVariable' && args.length === 1) {
    const arg = args[0]!;
    if (arg.k !== 'lit' || !arg.feel.startsWith('"')) throw new JuelUntranslatable('execution.getVariable with a computed name; name the variable');
    return name(JSON.parse(arg.feel) as string);
  }
  // Camunda 7's dateTime() (a Joda DateTime of now), moved by whole units, and toDate(): FEEL's now() and durations.
  if (obj === undefined && n.name === 'dateTime' && args.length === 0) return 'now()';
  if (obj === undefined) throw new JuelUntranslatable(`the function ${n.name}() is not a JUEL built-in govflow knows; move the logic into a job worker`);
  if (isDateTime(obj)) {
    if (n.name === 'toDate' && args.length === 0) return print(obj, opts);
    const unit = DATE_UNITS[n.name];
    const amount = args[0];
    if (unit && args.length === 1 && amount?.k === 'lit' && /^\d+$/.test(amount.feel)) {
      return `${print(obj, opts)} + duration("${unit(Number(amount.feel))}")`;
    }
  }
  // Camunda Spin JSON (`customer.prop("age").numberValue()`): govflow's variables are JSON already, so a property
  // read is a FEEL path and the typed accessors give the value itself.
  if (n.name === 'prop' && args.length === 1 && args[0]!.k === 'lit' && args[0]!.feel.startsWith('"')) {
    return print({ k: 'member', obj, name: JSON.parse(args[0]!.feel) as string }, opts);
  }
  if (SPIN_VALUES.has(n.name) && args.length === 0 && obj.k === 'call' && obj.name === 'prop') return print(obj, opts);
  const known = ['equals/1', 'size/0', 'length/0', 'isEmpty/0', 'contains/1', 'startsWith/1', 'endsWith/1', 'toUpperCase/0', 'toLowerCase/0', 'trim/0'];
  const signature = `${n.name}/${args.length}`;
  if (!known.includes(signature)) throw new JuelUntranslatable(`the method call ${n.name}(${args.length ? '…' : ''}) has no FEEL equivalent govflow knows; move it into a job worker`);
  const target = atom(obj, opts);
  const a = args.map((x) => print(x, opts));
  switch (signature) {
    case 'equals/1':
      return `${target} = ${operand(args[0]!, '==', opts)}`;
    case 'size/0':
      return `count(${target})`;
    case 'length/0':
      return `string length(${target})`;
    case 'isEmpty/0':
      return `(if ${target} instance of string then string length(${target}) = 0 else count(${target}) = 0)`;
    case 'contains/1':
      return `(if ${target} instance of string then contains(${target}, ${a[0]}) else list contains(${target}, ${a[0]}))`;
    case 'startsWith/1':
      return `starts with(${target}, ${a[0]})`;
    case 'endsWith/1':
      return `ends with(${target}, ${a[0]})`;
    case 'toUpperCase/0':
      return `upper case(${target})`;
    case 'toLowerCase/0':
      return `lower case(${target})`;
    case 'trim/0':
      return `trim(${target})`;
    default:
      throw new JuelUntranslatable(`the method call ${n.name}(${args.length ? '…' : ''}) has no FEEL equivalent govflow knows; move it into a job worker`);
  }
}

/** One `${…}` or `#{…}` at the start of `text`'s position `from`: the inner text and the index after the brace. */
function scanExpression(text: string, from: number): { inner: string; end: number } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from + 2; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return { inner: text.slice(from + 2, i), end: i + 1 };
      depth--;
    }
  }
  throw new JuelUntranslatable('an expression ${… is not closed with }');
}

/** Whether a Camunda 7 attribute or body holds a JUEL expression (anywhere in it). */
export function hasJuel(text: string): boolean {
  return /[$#]\{/.test(text);
}

/** A parsed JUEL expression, for rules that read its shape (a listener's method call) rather than translate it. */
export type JuelNode = Node;

/** One JUEL expression (without `${ }`) as a tree; throws JuelUntranslatable when it is outside the subset. */
export function parseJuel(expression: string): JuelNode {
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new JuelUntranslatable('the expression is empty');
  return new Parser(tokens).parse();
}

/** One JUEL expression (without `${ }`) as FEEL. */
export function juelToFeel(expression: string, opts: FeelOptions = {}): string {
  return print(parseJuel(expression), opts);
}

/**
 * A Camunda 7 value: `${expr}` alone becomes `=FEEL`; text mixed with expressions becomes a FEEL string
 * concatenation (JUEL writes null as ""); text without an expression is returned as undefined (a static value).
 */
export function juelValueToFeel(text: string, opts: FeelOptions = {}): string | undefined {
  const trimmed = text.trim();
  if (!hasJuel(trimmed)) return undefined;
  const parts: string[] = [];
  let i = 0;
  let single: string | undefined;
  while (i < trimmed.length) {
    const at = trimmed.slice(i).search(/[$#]\{/);
    if (at < 0) {
      parts.push(JSON.stringify(trimmed.slice(i)));
      break;
    }
    if (at > 0) parts.push(JSON.stringify(trimmed.slice(i, i + at)));
    const { inner, end } = scanExpression(trimmed, i + at);
    const feel = juelToFeel(inner, opts);
    if (i + at === 0 && end === trimmed.length) single = feel;
    parts.push(`(if ${feel.includes(' ') ? `(${feel})` : feel} = null then "" else string(${feel}))`);
    i = end;
  }
  return `=${single ?? parts.join(' + ')}`;
}

/** The job type a Camunda 7 delegate or expression names: `${mailer}` → `mailer`, `${svc.run(execution)}` → `svc.run`. */
export function jobTypeOf(raw: string): string {
  const inner = /^\s*[$#]\{([\s\S]*)\}\s*$/.exec(raw)?.[1] ?? raw;
  const path = /^\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)/.exec(inner)?.[1];
  return (path ?? inner).replace(/\s+/g, '').trim();
}
