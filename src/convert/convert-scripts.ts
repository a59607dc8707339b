import type { Conversion } from './convert.js';
import { JuelUntranslatable, parseJuel, type JuelNode } from './juel.js';
import { attr, BPMN_NS, CAMUNDA_NS, type XNode } from './xml.js';
import type { ZeebeParts } from './zeebe-parts.js';

/**
 * JavaScript in Camunda 7 models (script tasks, `camunda:script` parameters) for the one shape FEEL has: a single
 * expression statement of variable reads (`x`, `a.b`, `execution.getVariable("x")`), literals, arithmetic,
 * comparisons, boolean logic on comparisons, the conditional operator and string concatenation, or
 * `execution.setVariable("name", <such an expression>)`. Everything else (several statements, `var`, function
 * calls, JavaScript's truthiness of non-booleans, `===`, indexes, `.length`) throws {@link JuelUntranslatable}
 * with the reason, so the converter blocks it. The expression is read with the JUEL parser, whose grammar covers
 * this subset, after the JavaScript-only spellings it would misread are refused.
 */

export interface JsScript {
  /** The FEEL of the expression (without '='). */
  readonly feel: string;
  /** Set when the script is `execution.setVariable(name, value)`: the variable it sets; the script's value is null. */
  readonly setVariable?: string;
}

const FEEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FEEL_RESERVED = new Set(['true', 'false', 'null', 'and', 'or', 'not', 'if', 'then', 'else', 'for', 'in', 'return', 'some', 'every', 'satisfies', 'instance', 'of', 'function', 'between']);
// Words the JUEL reader takes as operators but JavaScript as names, and JavaScript-only values.
const JUEL_WORDS = /\b(and|or|not|eq|ne|lt|gt|le|ge|div|mod|empty|instanceof|undefined|NaN|Infinity|new|typeof|var|let|const|function|return)\b/;

const COMPARISON = new Set(['==', '!=', '<', '>', '<=', '>=']);
const FEEL_OP: Record<string, string> = { '==': '=', '!=': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=', '&&': 'and', '||': 'or', '+': '+', '-': '-', '*': '*', '/': '/' };

const isStringLit = (n: JuelNode): n is Extract<JuelNode, { k: 'lit' }> => n.k === 'lit' && n.feel.startsWith('"');
/** Whether JavaScript's + on this node joins strings: a string literal or a join with one. */
const isString = (n: JuelNode): boolean => isStringLit(n) || (n.k === 'bin' && n.op === '+' && (isString(n.left) || isString(n.right)));
/** Whether the node is a boolean by its shape, so JavaScript's &&, || and ! mean what FEEL's and, or, not mean. */
const isBoolean = (n: JuelNode): boolean =>
  (n.k === 'lit' && (n.feel === 'true' || n.feel === 'false')) || (n.k === 'unary' && n.op === 'not') ||
  (n.k === 'bin' && (COMPARISON.has(n.op) || n.op === '&&' || n.op === '||'));

function name(n: string): string {
  if (!FEEL_NAME.test(n) || FEEL_RESERVED.has(n)) throw new JuelUntranslatable(`the variable name '${n}' is a FEEL keyword or not a FEEL name`);
  return n;
}

function paren(n: JuelNode): string {
  const s = print(n);
  return n.k === 'lit' || n.k === 'id' || n.k === 'member' || n.k === 'call' ? s : `(${s})`;
}

function logical(n: JuelNode, what: string): string {
  if (!isBoolean(n)) throw new JuelUntranslatable(`${what} is not a comparison or true/false; JavaScript reads other values by truthiness, FEEL does not`);
  return paren(n);
}

function print(n: JuelNode): string {
  switch (n.k) {
    case 'lit':
      return n.feel;
    case 'id':
      if (n.name === 'execution' || n.name === 'task') throw new JuelUntranslatable(`'${n.name}' is a Camunda 7 engine object; FEEL sees only variables`);
      return name(n.name);
    case 'member':
      if (n.name === 'length') throw new JuelUntranslatable('.length is a string or array length in JavaScript, a field in FEEL');
      return `${paren(n.obj)}.${name(n.name)}`;
    case 'index':
      throw new JuelUntranslatable('JavaScript indexes count from 0 and FEEL from 1; read the value without an index');
    case 'call': {
      const arg = n.args[0];
      if (n.obj?.k === 'id' && n.obj.name === 'execution' && n.name === 'getVariable' && n.args.length === 1 && arg && isStringLit(arg)) return name(JSON.parse(arg.feel) as string);
      throw new JuelUntranslatable(`the call ${n.name}(…) has no FEEL equivalent the converter knows`);
    }
    case 'unary':
      if (n.op === 'not') return `not(${logical(n.arg, 'the operand of !')})`;
      if (n.op === '-') return `-${paren(n.arg)}`;
      throw new JuelUntranslatable('empty is not JavaScript');
    case 'bin': {
      const op = FEEL_OP[n.op];
      if (!op) throw new JuelUntranslatable(`${n.op} has no FEEL operator with JavaScript's meaning`);
      if (n.op === '&&' || n.op === '||') return `${logical(n.left, `the left side of ${n.op}`)} ${op} ${logical(n.right, `the right side of ${n.op}`)}`;
      if (n.op === '+' && isString(n)) {
        // JavaScript joins a string with anything, writing numbers and booleans as text; FEEL joins strings only.
        const part = (x: JuelNode) => (isString(x) ? (x.k === 'bin' ? print(x) : paren(x)) : `string(${print(x)})`);
        return `${part(n.left)} + ${part(n.right)}`;
      }
      return `${paren(n.left)} ${op} ${paren(n.right)}`;
    }
    case 'cond':
      return `if ${logical(n.test, 'the condition of ?:')} then ${paren(n.then)} else ${paren(n.else)}`;
  }
}

/** A JavaScript script as FEEL; throws JuelUntranslatable with the reason when it is outside the subset. */
export function javascriptToFeel(script: string): JsScript {
  const source = script.trim().replace(/;\s*$/, '');
  if (source === '') throw new JuelUntranslatable('the script is empty');
  if (/[;\n]/.test(source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""'))) throw new JuelUntranslatable('it has more than one statement; FEEL is one expression');
  if (source.includes('\\')) throw new JuelUntranslatable('a string escape (\\) reads differently in JavaScript');
  const word = JUEL_WORDS.exec(source.replace(/"[^"]*"|'[^']*'/g, '""'));
  if (word) throw new JuelUntranslatable(`'${word[1]}' is JavaScript the converter does not translate`);
  const tree = parseJuel(source);
  if (tree.k === 'call' && tree.obj?.k === 'id' && tree.obj.name === 'execution' && tree.name === 'setVariable') {
    const [target, value] = tree.args;
    if (tree.args.length !== 2 || !target || !isStringLit(target) || !value) throw new JuelUntranslatable('execution.setVariable needs a literal variable name and a value');
    return { feel: print(value), setVariable: name(JSON.parse(target.feel) as string) };
  }
  return { feel: print(tree) };
}

const JAVASCRIPT = /^(javascript|js|ecmascript)$/i;

/** Whether the variable is named anywhere in the model but at `except` (the script that sets it). */
function namedElsewhere(c: Conversion, variable: string, except: XNode): boolean {
  const word = new RegExp(`\\b${variable}\\b`, 'g');
  const inside = (except.text.match(word) ?? []).length;
  return (c.source.match(word) ?? []).length > inside;
}

function translate(c: Conversion, node: XNode, what: string, script: string): JsScript | undefined {
  try {
    return javascriptToFeel(script);
  } catch (error) {
    if (!(error instanceof JuelUntranslatable)) throw error;
    c.note('blocked', node, `${what} is JavaScript that is not converted: ${error.message}. Rewrite it as FEEL or move it into a job worker`);
    return undefined;
  }
}

/**
 * A `camunda:script` parameter value in JavaScript: its FEEL and, for `execution.setVariable(name, value)` in an
 * input parameter, the extra input that gives the element's worker that variable. 'not-script' when the parameter
 * has no JavaScript script; undefined when it is blocked (the note is written).
 */
export function scriptParameter(c: Conversion, param: XNode, paramName: string): 'not-script' | { value: string; extra?: { source: string; target: string } } | undefined {
  const script = param.children.find((ch) => ch.uri === CAMUNDA_NS && ch.local === 'script');
  const format = script ? attr(script, '', 'scriptFormat')?.value ?? '' : '';
  if (!script || !JAVASCRIPT.test(format) || attr(script, '', 'resource')) return 'not-script';
  const what = `camunda:${param.local} '${paramName}'`;
  const js = translate(c, script, what, script.text);
  if (!js) return undefined;
  if (!js.setVariable) {
    c.note('info', script, `${what}: JavaScript '${script.text.trim()}' → FEEL '${js.feel}'`);
    return { value: js.feel };
  }
  // Camunda 7 sets the variable on the enclosing scope when the input is computed; a Zeebe input is the element's
  // own. The same for the element's worker; different for anything that reads it after the element.
  if (param.local !== 'inputParameter' || namedElsewhere(c, js.setVariable, script)) {
    c.note('blocked', script, `${what}: the script sets '${js.setVariable}' on the enclosing scope (Camunda 7)${param.local === 'inputParameter' ? `, and '${js.setVariable}' is read elsewhere in the model` : ''}; govflow has no mapping that writes there before the element starts: set it in an output mapping of the element before, or in a job worker`);
    return undefined;
  }
  c.note('review', script, `${what}: JavaScript '${script.text.trim()}' → input '${paramName}' = null (the script's value) and input '${js.setVariable}' = ${js.feel}: the element's job sees '${js.setVariable}' as in Camunda 7, but it is the element's own variable and is gone after it, where Camunda 7 kept it on the enclosing scope (nothing else in this model reads it; a worker or API client that reads it later must not rely on it)`);
  return { value: 'null', extra: { source: `=${js.feel}`, target: js.setVariable } };
}

/** A JavaScript script task as a zeebe:script; false when the script is not JavaScript (other rules apply). */
export function javascriptTask(c: Conversion, node: XNode, parts: ZeebeParts): boolean {
  if (!JAVASCRIPT.test(attr(node, '', 'scriptFormat')?.value ?? '')) return false;
  const script = node.children.find((ch) => ch.uri === BPMN_NS && ch.local === 'script');
  const resultVariable = attr(node, CAMUNDA_NS, 'resultVariable')?.value;
  const js = translate(c, node, 'the script task', script?.text ?? '');
  if (!js || !script) return true;
  if (js.setVariable && resultVariable) {
    c.note('blocked', node, `the script sets '${js.setVariable}' and camunda:resultVariable '${resultVariable}' gets its value (null); keep one`);
    return true;
  }
  const target = js.setVariable ?? resultVariable;
  if (!target) {
    c.note('blocked', node, 'the JavaScript script task computes a value it keeps nowhere (no camunda:resultVariable, no execution.setVariable); remove the task or give it a result variable');
    return true;
  }
  // Zeebe writes a script's result variable where it already exists, else on the process: execution.setVariable's
  // scope rule, and what Camunda 7 does with a script task's camunda:resultVariable.
  parts.script = { expression: `=${js.feel}`, resultVariable: target };
  c.removeNode(script);
  const format = attr(node, '', 'scriptFormat')!;
  c.edits.replace(format.start, format.end, ` ${format.name}="feel"`);
  c.note('info', node, `JavaScript script task '${script.text.trim()}' → zeebe:script '=${js.feel}' with resultVariable '${target}' (set where it exists, else on the process, as Camunda 7 did)`);
  return true;
}
