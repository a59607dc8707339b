/**
 * Measures the size of the code in src/ with the TypeScript compiler API: the lines of every file and of every
 * function (declarations, methods, accessors, constructors, function expressions and arrow functions; a function's
 * lines include the functions nested in it). Every file under src/ counts (TypeScript, the browser scripts, styles,
 * SQL, templates) except the generated ones listed in GENERATED_FILES; functions are measured in .ts and .js files.
 * Used by test/code-size.test.ts; run it to list every offender:
 *
 *   node --import tsx scripts/code-size.ts            # files over 800 lines and functions over 150, all of src/
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

export const MAX_FILE_LINES = 800;
export const MAX_FUNCTION_LINES = 150;

export interface FileSize {
  /** Relative to the repository root, with forward slashes (src/portal/portal-plugin.ts). */
  readonly file: string;
  readonly lines: number;
  readonly functions: readonly { readonly name: string; readonly line: number; readonly lines: number }[];
  /** The text of the file's first comment ('' when it has none). */
  readonly firstComment: string;
}

/**
 * The files under src/ that a script writes, not a person: they are not held to the limits. Each is named here, so
 * that nothing else escapes them (the test checks that every one exists).
 */
export const GENERATED_FILES: readonly string[] = [
  'src/store/schema.snapshot.sql', // npm run schema:dump
];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await sourceFiles(full));
    else out.push(full);
  }
  return out.sort();
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (named.name && ts.isStringLiteral(named.name)) return named.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isCallExpression(parent)) {
    // A route handler: name it after the route (`server.get('/staff', …)` → "GET /staff").
    const callee = parent.expression;
    const route = parent.arguments[0];
    if (ts.isPropertyAccessExpression(callee) && route && (ts.isStringLiteral(route) || ts.isNoSubstitutionTemplateLiteral(route))) return `${callee.name.text.toUpperCase()} ${route.text}`;
    return `callback of ${callee.getText().slice(0, 40)}`;
  }
  return ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)';
}

/** The size of one file's text; functions and the first comment only for TypeScript and JavaScript. */
export function measure(file: string, text: string): FileSize {
  const kind = file.endsWith('.ts') ? ts.ScriptKind.TS : /\.m?js$/.test(file) ? ts.ScriptKind.JS : undefined;
  if (kind === undefined) return { file, lines: lineCount(text), functions: [], firstComment: '' };
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line + 1;
  const functions: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(node.getStart(source));
      functions.push({ name: functionName(node), line: start, lines: lineOf(node.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const ranges = ts.getLeadingCommentRanges(text, 0) ?? [];
  // The first comment anywhere in the file: after the imports when the file starts with them.
  let firstComment = ranges[0] ? text.slice(ranges[0].pos, ranges[0].end) : '';
  if (!firstComment) {
    for (const statement of source.statements) {
      const leading = ts.getLeadingCommentRanges(text, statement.getFullStart());
      if (leading?.[0]) {
        firstComment = text.slice(leading[0].pos, leading[0].end);
        break;
      }
    }
  }
  return { file, lines: lineCount(text), functions, firstComment };
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split(/\r\n|\r|\n/).length - (/(\r\n|\r|\n)$/.test(text) ? 1 : 0);
}

/** Every file under `root/src` (or the given folders of it) but the generated ones, measured. */
export async function measureSources(root: string, folders?: readonly string[]): Promise<FileSize[]> {
  const dirs = folders ? folders.map((f) => path.join(root, 'src', f)) : [path.join(root, 'src')];
  const out: FileSize[] = [];
  for (const dir of dirs) {
    for (const file of await sourceFiles(dir)) {
      const relative = path.relative(root, file).split(path.sep).join('/');
      if (!GENERATED_FILES.includes(relative)) out.push(measure(relative, await readFile(file, 'utf8')));
    }
  }
  return out;
}

/** One line per file over the file limit and per function over the function limit. */
export function offenders(sizes: readonly FileSize[]): string[] {
  const out: string[] = [];
  for (const s of sizes) {
    if (s.lines > MAX_FILE_LINES) out.push(`${s.file}: ${s.lines} lines (limit ${MAX_FILE_LINES})`);
    for (const f of s.functions) if (f.lines > MAX_FUNCTION_LINES) out.push(`${s.file}:${f.line}: function ${f.name} is ${f.lines} lines (limit ${MAX_FUNCTION_LINES})`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = offenders(await measureSources(process.cwd()));
  process.stdout.write(found.length === 0 ? 'no file or function over the limits\n' : `${found.join('\n')}\n`);
}
