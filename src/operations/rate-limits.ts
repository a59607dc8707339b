import rateLimit, { type FastifyRateLimitStore, type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GovflowError, type Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';

/**
 * One row of the server's rate-limit table. Rules are matched against the route pattern Fastify registered
 * (`/services/:id/submit`, not the URL asked for), so a limit covers a route whatever ids are sent, and a new route
 * is limited by adding a row here, without touching the module that declares it.
 */
export interface RateLimitRule {
  readonly name: string;
  /** What the limit protects, in the words of the 429 message. */
  readonly what: string;
  /** HTTP methods, or `*` for any. */
  readonly methods: readonly string[] | '*';
  readonly route: RegExp;
  /** A further condition on the request (e.g. only multipart posts of a question page are uploads). */
  readonly when?: (request: FastifyRequest) => boolean;
  /** Requests per window and client address. */
  readonly max: number;
  readonly windowMs: number;
}

const MINUTE = 60_000;
const isMultipart = (request: FastifyRequest): boolean => String(request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');

/**
 * The defaults, first match wins. Sizes: a person signs in a few times an hour and a whole office behind one
 * address a few dozen; a citizen submits a handful of applications; agency systems poll the API a few times a
 * second. Staff sign-in is also locked per user name after repeated failures (identity/), which this does not replace.
 */
export const DEFAULT_RATE_LIMITS: readonly RateLimitRule[] = [
  { name: 'sign-in', what: 'sign-in', methods: ['POST'], route: /^\/(staff\/)?sign-in(\/|$)/, max: 30, windowMs: MINUTE },
  { name: 'verify', what: 'decision verification', methods: '*', route: /^\/(api\/)?verify(\/|$)/, max: 60, windowMs: MINUTE },
  { name: 'submissions', what: 'application submissions and problem reports', methods: ['POST'], route: /^\/services\/:id\/submit$|^\/applications\/:ref\/(information|withdraw)$|^\/report-a-problem$/, max: 20, windowMs: MINUTE },
  // Proposals, supports, debates, comments and abuse reports (issue 18); engagement also limits posts per person.
  { name: 'participation', what: 'proposals, supports and comments', methods: ['POST'], route: /^\/(proposals|debates|report-abuse|participation)(\/|$)/, max: 30, windowMs: MINUTE },
  { name: 'uploads', what: 'uploads', methods: ['POST'], route: /^\/applications\/:ref\/documents$/, max: 60, windowMs: MINUTE },
  { name: 'uploads', what: 'uploads', methods: ['POST'], route: /^\/services\/:id\/apply\/:page$/, when: isMultipart, max: 60, windowMs: MINUTE },
  // Public endpoints announced for later (the assistant, Open311): limited from the day they are registered.
  { name: 'public', what: 'public endpoints', methods: '*', route: /^\/(assistant|open311)(\/|$)/, max: 60, windowMs: MINUTE },
  // Health checks (load balancers) and the API description are not limited; every other API route is.
  { name: 'api', what: 'the API', methods: '*', route: /^\/api\/(?!health$|openapi\.json$)/, max: 1200, windowMs: MINUTE },
];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE };

/**
 * Applies `GOVFLOW_RATE_LIMITS` to the table: `off` (no limits), or comma-separated `rule=max/window` (window
 * like `30s`, `1m`, `1h`) and `rule=off`; `*` stands for every rule. Anything else is refused naming the entry.
 */
export function configureRateLimits(setting: string | undefined, rules: readonly RateLimitRule[] = DEFAULT_RATE_LIMITS): RateLimitRule[] {
  const text = (setting ?? '').trim();
  if (text === '') return [...rules];
  if (text === 'off') return [];
  let out = [...rules];
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([a-z*][a-z0-9-]*)=(?:(off)|(\d{1,9})\/(\d{1,9})(ms|s|m|h))$/.exec(entry);
    const name = match?.[1];
    if (!match || !name || (name !== '*' && !rules.some((r) => r.name === name))) {
      const names = [...new Set(rules.map((r) => r.name))].join(', ');
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `GOVFLOW_RATE_LIMITS: '${entry}' is not 'rule=max/window' or 'rule=off' (rules: ${names}, or * for all; window like 30s, 1m, 1h)`,
        [{ where: 'GOVFLOW_RATE_LIMITS', message: `cannot use '${entry}'` }]);
    }
    const applies = (r: RateLimitRule): boolean => name === '*' || r.name === name;
    if (match[2] === 'off') out = out.filter((r) => !applies(r));
    else {
      const max = Number(match[3]);
      const windowMs = Number(match[4]) * UNITS[match[5]!]!;
      if (max < 1 || windowMs < 1000) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `GOVFLOW_RATE_LIMITS: '${entry}' needs at least 1 request and a window of at least 1 s`, [{ where: 'GOVFLOW_RATE_LIMITS', message: `cannot use '${entry}'` }]);
      out = out.map((r) => (applies(r) ? { ...r, max, windowMs } : r));
    }
  }
  return out;
}

/** The rule a request falls under, if any (first match wins). */
export function ruleFor(rules: readonly RateLimitRule[], method: string, route: string | undefined, request?: FastifyRequest): RateLimitRule | undefined {
  if (route === undefined) return undefined;
  return rules.find((r) => (r.methods === '*' || r.methods.includes(method)) && r.route.test(route) && (!r.when || (request !== undefined && r.when(request))));
}

// One statement per counted request: a fixed window that starts again once it has ended, on the database's clock so
// every process agrees. The ttl is what Retry-After says.
const INCREMENT = `insert into rate_limit_counter as c (key, hits, window_ends_at) values ($1, 1, now() + $2::bigint * interval '1 millisecond')
  on conflict (key) do update set
    hits = case when c.window_ends_at <= now() then 1 else c.hits + 1 end,
    window_ends_at = case when c.window_ends_at <= now() then excluded.window_ends_at else c.window_ends_at end
  returning hits, greatest(0, ceil(extract(epoch from (window_ends_at - now())) * 1000))::float8 as ttl`;

/** @fastify/rate-limit's store interface over the `rate_limit_counter` table (migration 0014). */
function databaseStore(db: Database, log: Logger | undefined): FastifyRateLimitStore {
  const store: FastifyRateLimitStore = {
    incr(key, callback, timeWindow) {
      db.query<{ hits: number; ttl: number }>(INCREMENT, [key, timeWindow], { name: 'rate-limit-increment' }).then(({ rows }) => {
        callback(null, { current: Number(rows[0]!.hits), ttl: Number(rows[0]!.ttl) });
      }, (error: unknown) => {
        // The store failing must not fail the request (skipOnError lets it through): say so in the log.
        log?.warn({ err: error }, 'rate-limit counter could not be updated; the request is let through');
        callback(error as Error, { current: 0, ttl: 0 });
      });
    },
    child: () => store,
  };
  return store;
}

/**
 * Registers the rate limits on the root instance, before any route, so that every route the server registers
 * (API and pages) is checked against the table. Counters live in the database: several processes share them.
 * A refused request gets 429 with Retry-After; if the database cannot count, the request is let through.
 */
export async function useRateLimits(server: FastifyInstance, options: { db: Database; rules: readonly RateLimitRule[]; logger?: Logger }): Promise<void> {
  const { rules } = options;
  if (rules.length === 0) return;
  const matched = new WeakMap<FastifyRequest, RateLimitRule | null>();
  const ruleOf = (request: FastifyRequest): RateLimitRule | null => {
    let rule = matched.get(request);
    if (rule === undefined) {
      rule = ruleFor(rules, request.method, request.routeOptions.url, request) ?? null;
      matched.set(request, rule);
    }
    return rule;
  };
  const store = databaseStore(options.db, options.logger);
  const settings: RateLimitPluginOptions = {
    global: true,
    hook: 'onRequest',
    skipOnError: true,
    store: class { constructor() { return store; } } as unknown as RateLimitPluginOptions['store'],
    keyGenerator: (request) => `${ruleOf(request)?.name ?? '-'}|${request.ip}`,
    allowList: (request) => ruleOf(request) === null,
    max: (request) => ruleOf(request)?.max ?? Number.MAX_SAFE_INTEGER,
    timeWindow: (request) => ruleOf(request)?.windowMs ?? MINUTE,
    errorResponseBuilder: (request, context) => new GovflowError('GOVFLOW_ERR_RATE_LIMITED',
      `too many requests for ${ruleOf(request)?.what ?? 'this page'} from your address (${context.max} allowed per ${Math.round((ruleOf(request)?.windowMs ?? MINUTE) / 1000)} s); try again in ${context.after}`),
  };
  await server.register(rateLimit, settings);
  // Windows that ended a while ago are of no use: a few are deleted now and then by whichever process gets there.
  const sweep = setInterval(() => {
    void options.db.query("delete from rate_limit_counter where key in (select key from rate_limit_counter where window_ends_at < now() - interval '1 minute' limit 1000)")
      .catch((error: unknown) => options.logger?.warn({ err: error }, 'rate-limit counters could not be swept'));
  }, 5 * MINUTE);
  sweep.unref();
  server.addHook('onClose', async () => clearInterval(sweep));
}
