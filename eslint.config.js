// Lint: TypeScript rules that catch real bugs, plus govflow's module-boundary rule.
import path from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * Which domain folders under src/ each folder may import, and only through their index.ts.
 * The direction is one-way: kernel ← store ← engine ← api ← cli. Nothing imports cli (or, later, portal).
 * Changing this table is an architecture decision: record it in docs/architecture.md.
 */
export const ALLOWED_DEPENDENCIES = {
  kernel: [],
  store: ['kernel'],
  decisions: ['kernel'],
  // The Camunda 7 converter (issue 16): model text in, model text out; the CLI deploys what it writes.
  convert: ['kernel'],
  // engine: only its event-type union (`import type`), so the database reader matches the names the engine writes.
  mining: ['kernel', 'store', 'engine'],
  ledger: ['kernel', 'store'],
  engine: ['kernel', 'store', 'decisions'],
  identity: ['kernel', 'store', 'privacy', 'web', 'i18n'],
  privacy: ['kernel', 'store', 'engine'],
  // web renders every page in the reader's language, so the i18n layer sits beside kernel, under the page edge; every
  // module with pages of its own (staff pages included) may ask it for words.
  web: ['kernel', 'i18n'],
  i18n: ['kernel'],
  documents: ['kernel', 'store', 'engine', 'web', 'i18n'],
  catalogue: ['kernel', 'engine', 'web', 'i18n'],
  registries: ['kernel', 'store', 'engine', 'privacy'],
  notifications: ['kernel', 'store', 'engine', 'i18n'],
  payments: ['kernel', 'store'],
  api: ['kernel', 'store', 'engine', 'decisions', 'mining', 'ledger', 'identity', 'privacy'],
  portal: ['kernel', 'store', 'engine', 'decisions', 'identity', 'web', 'catalogue', 'payments', 'privacy', 'i18n'],
  // mining (issue 20): the managers' process-intelligence pages show the mining module's own figures.
  workbench: ['kernel', 'store', 'engine', 'catalogue', 'web', 'identity', 'privacy', 'i18n', 'mining'],
  admin: ['kernel', 'store', 'engine', 'decisions', 'catalogue', 'web', 'identity', 'i18n'],
  operations: ['kernel', 'store', 'engine', 'ledger', 'notifications', 'identity', 'web', 'catalogue'],
  // services floor (house plan): engagement uses only the engines and the web edge; compose passes the catalogue's SLA and identity's key check.
  engagement: ['kernel', 'store', 'engine', 'web', 'i18n'],
  // A service on the platform floor: figures from its own projector's table, the ledger's tree head, public pages on the web edge.
  transparency: ['kernel', 'store', 'ledger', 'web', 'i18n'],
  // services floor: the catalogue's text comes in as plain data and the decisions are evaluated through decisions/; compose passes the citizen's cases and the vault.
  assistant: ['kernel', 'store', 'engine', 'decisions', 'web', 'i18n'],
  // Sensors (issue 22): its own tables, cases through the engine, rules through decisions, staff pages on the web edge.
  sensors: ['kernel', 'store', 'engine', 'decisions', 'web', 'i18n'],
  // A service on the platform floor (issue 25): X-Road REST exchange; cases through the engine, the access log through privacy, pages on the web edge
  // in the administrator's language (i18n).
  exchange: ['kernel', 'store', 'engine', 'privacy', 'web', 'i18n'],
  // The training sandbox (issue 20): on the web edge beside the workbench, whose real plugin it mounts over a sandbox's own database.
  training: ['kernel', 'store', 'engine', 'catalogue', 'web', 'identity', 'workbench', 'i18n'],
  cli: ['kernel', 'store', 'engine', 'decisions', 'convert', 'mining', 'ledger', 'identity', 'web', 'catalogue', 'api', 'portal', 'documents', 'registries', 'notifications', 'privacy', 'payments', 'workbench', 'admin', 'operations', 'engagement', 'transparency', 'assistant', 'sensors', 'exchange', 'i18n', 'training'],
};

const srcRoot = path.resolve('src');

function domainOf(file) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [domain, ...rest] = rel.split(path.sep);
  return rest.length > 0 ? domain : undefined;
}

const moduleBoundaries = {
  meta: { type: 'problem', messages: {
    deep: "'{{source}}' reaches into src/{{target}}/ internals: import '{{target}}/index.js' instead",
    direction: "src/{{from}}/ may not depend on src/{{target}}/ (allowed: {{allowed}}); see ALLOWED_DEPENDENCIES in eslint.config.js",
    unknown: "src/{{from}}/ is not a known domain folder: add it to ALLOWED_DEPENDENCIES in eslint.config.js",
  } },
  create(context) {
    const file = context.filename;
    const from = domainOf(file);
    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(file), source);
      const target = domainOf(resolved) ?? (path.dirname(resolved) === srcRoot ? undefined : undefined);
      if (!target || target === from) return;
      const inner = path.relative(path.join(srcRoot, target), resolved);
      if (!/^index\.(js|ts)$/.test(inner)) {
        context.report({ node, messageId: 'deep', data: { source, target } });
        return;
      }
      if (from === undefined) return; // tests and scripts may use any module's public surface
      const allowed = ALLOWED_DEPENDENCIES[from];
      if (!allowed) {
        context.report({ node, messageId: 'unknown', data: { from } });
        return;
      }
      if (!allowed.includes(target)) {
        context.report({ node, messageId: 'direction', data: { from, target, allowed: allowed.join(', ') || 'none' } });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'tmp/**', 'tck/**', 'dist/**', 'dist.*/**', 'docs/**', 'test-results/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, govflow: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: {
      'govflow/module-boundaries': 'error',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['it', 'describe', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-debugger': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
);
