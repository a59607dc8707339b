/**
 * Finds the tables and views that the SQL in a TypeScript file names, for the table-ownership test. SQL in govflow
 * is written as string or template literals passed to `query`/`exec` (or kept in constants); this reads every
 * literal with the TypeScript parser, keeps those that are SQL statements (or fragments that read a relation), and
 * tokenizes them the way PostgreSQL's lexer does — comments, quoted strings, dollar quotes and quoted identifiers
 * are skipped — to find the names in relation position: after FROM, JOIN, INTO, UPDATE, TABLE, TRUNCATE and the
 * comma of a FROM list, minus the statement's own CTE names. A `${…}` interpolation is an opaque token: what it
 * names is checked where its own literal is written.
 */
import ts from 'typescript';

export interface RelationUse {
  readonly relation: string;
  /** 'write' when the statement inserts into, updates, deletes from, truncates or locks it. */
  readonly access: 'read' | 'write';
  readonly line: number;
  readonly sql: string;
}

const STATEMENT_START = /^\s*\(?\s*(select|insert|update|delete|with|create|alter|drop|truncate|lock|values|merge|copy)\b/i;
/** Fragments (a FROM clause kept in a constant, `exists (select 1 from …)`) also name relations. */
const RELATION_CLAUSE = /\b(from|join|into|update|truncate)\s+("?[a-z_][a-z0-9_$]*"?)/i;

interface Token { readonly kind: 'word' | 'punct' | 'opaque'; readonly text: string }

const OPAQUE = '\u0000';

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === OPAQUE) { tokens.push({ kind: 'opaque', text: '' }); i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { while (i < sql.length && sql[i] !== '\n') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') { const end = sql.indexOf('*/', i + 2); i = end < 0 ? sql.length : end + 2; continue; }
    if (c === "'") { // a string constant ('' escapes a quote); E'…' strings are read the same way
      i++;
      while (i < sql.length) { if (sql[i] === "'" && sql[i + 1] === "'") i += 2; else if (sql[i] === "'") break; else i++; }
      i++;
      tokens.push({ kind: 'punct', text: "'" });
      continue;
    }
    if (c === '$') { // $1 parameters and $tag$ … $tag$ dollar quotes
      const m = /^\$([a-z_]*)\$/i.exec(sql.slice(i));
      if (m) { const end = sql.indexOf(m[0], i + m[0].length); i = end < 0 ? sql.length : end + m[0].length; tokens.push({ kind: 'punct', text: "'" }); continue; }
      const p = /^\$\d+/.exec(sql.slice(i));
      if (p) { tokens.push({ kind: 'punct', text: p[0] }); i += p[0].length; continue; }
    }
    if (c === '"') { const end = sql.indexOf('"', i + 1); tokens.push({ kind: 'word', text: sql.slice(i + 1, end < 0 ? sql.length : end) }); i = end < 0 ? sql.length : end + 1; continue; }
    const word = /^[a-z_][a-z0-9_$]*/i.exec(sql.slice(i));
    if (word) { tokens.push({ kind: 'word', text: word[0].toLowerCase() }); i += word[0].length; continue; }
    tokens.push({ kind: 'punct', text: c }); i++;
  }
  return tokens;
}

const CLAUSE_ENDS = new Set(['where', 'group', 'order', 'limit', 'offset', 'having', 'window', 'union', 'intersect', 'except', 'on', 'using', 'set', 'returning', 'for', 'values', 'select', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'lateral', 'fetch', 'into', 'default', 'from']);

/** The relations one SQL text names; `names` are qualified names reduced to the last part (`public.x` → `x`). */
export function relationsOf(sql: string): Array<{ relation: string; access: 'read' | 'write' }> {
  const tokens = tokenize(sql);
  const ctes = new Set<string>();
  // `with [recursive] name [(cols)] as [not] [materialized] (` and `, name as (` at the top of a WITH list.
  for (let k = 0; k + 2 < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'word') continue;
    let j = k + 1;
    if (tokens[j]?.text === '(') { let depth = 0; for (; j < tokens.length; j++) { if (tokens[j]!.text === '(') depth++; else if (tokens[j]!.text === ')' && --depth === 0) { j++; break; } } }
    const prev = tokens[k - 1];
    if (tokens[j]?.text === 'as' && (prev?.text === 'with' || prev?.text === 'recursive' || prev?.text === ',')) {
      let m = j + 1;
      while (tokens[m]?.text === 'not' || tokens[m]?.text === 'materialized') m++;
      if (tokens[m]?.text === '(') ctes.add(t.text);
    }
  }
  const out: Array<{ relation: string; access: 'read' | 'write' }> = [];
  const take = (k: number, access: 'read' | 'write'): number => {
    // Skips ONLY, reads a possibly schema-qualified name; a name followed by `(` is a function (unnest, generate_series).
    let j = k;
    if (tokens[j]?.text === 'only') j++;
    const t = tokens[j];
    if (!t || t.kind !== 'word') return j;
    let name = t.text;
    let n = j + 1;
    while (tokens[n]?.text === '.' && tokens[n + 1]?.kind === 'word') { name = tokens[n + 1]!.text; n += 2; }
    if (tokens[n]?.text === '(' && access === 'read') return n;
    if (!ctes.has(name)) out.push({ relation: name, access });
    return n;
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'word') continue;
    const next = tokens[k + 1];
    if (t.text === 'into' || (t.text === 'update' && tokens[k - 1]?.text !== 'for' && tokens[k - 1]?.text !== 'key' && tokens[k - 1]?.text !== 'no' && tokens[k - 1]?.text !== 'do') || t.text === 'truncate') {
      take(k + 1, 'write');
    } else if (t.text === 'delete' && next?.text === 'from') {
      take(k + 2, 'write'); k++;
    } else if (t.text === 'lock' && next?.text === 'table') {
      take(k + 2, 'write'); k++;
    } else if (t.text === 'join') {
      take(k + 1, 'read');
    } else if (t.text === 'from') {
      // A FROM list: `from a x, b y, lateral f(…)`; a subquery `(…)` is skipped and its own FROM read in turn.
      let j = take(k + 1, 'read');
      let depth = 0;
      for (; j < tokens.length; j++) {
        const u = tokens[j]!;
        if (u.text === '(') depth++;
        else if (u.text === ')') { if (depth === 0) break; depth--; }
        else if (depth === 0 && u.text === ';') break;
        else if (depth === 0 && u.kind === 'word' && CLAUSE_ENDS.has(u.text)) break;
        else if (depth === 0 && u.text === ',') j = take(j + 1, 'read') - 1;
      }
    }
  }
  return out;
}

/** Every relation named by SQL in one TypeScript source file. */
export function relationUses(fileName: string, source: string): RelationUse[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const uses: RelationUse[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => OPAQUE + span.literal.text).join('');
    if (text !== undefined && (STATEMENT_START.test(text) || RELATION_CLAUSE.test(text)) && looksLikeSql(text)) {
      const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      for (const r of relationsOf(text)) uses.push({ ...r, line, sql: text.replace(/\s+/g, ' ').trim().slice(0, 120) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses;
}

/** Prose ("Select a colleague from the list") is not SQL: SQL has a parameter, a keyword pair or an operator. */
function looksLikeSql(text: string): boolean {
  return /\$\d|\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b|\bjoin\b[\s\S]*\bon\b|\bwhere\b|\bwith\b[\s\S]*\bas\s*\(|\btruncate\b|\block\s+table\b/i.test(text)
    && !/^[A-Z][a-z]+ [a-z]+ [a-z]/.test(text.trim());
}
