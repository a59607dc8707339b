import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Level from `GOVFLOW_LOG_LEVEL` (default `info`, `silent` under tests);
 * secrets are redacted by path so that a careless `log.info({ req })` cannot leak them.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  // pino is required when a logger is first made, not when the kernel is imported: a CLI command that logs nothing
  // (`mine`, `--help`) does not pay for loading it and its dependencies.
  const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
  const level = options.level ?? process.env['GOVFLOW_LOG_LEVEL'] ?? (process.env['NODE_TEST_CONTEXT'] ? 'silent' : 'info');
  return pino({
    name: options.name ?? 'govflow',
    level,
    redact: {
      // Fastify logs `req`/`res` objects, so headers appear one or two levels down; wildcards only cover one level.
      paths: [
        'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'totp', '*.totp', 'csrfToken', '*.csrfToken', 'apiKey', '*.apiKey',
        'headers.authorization', 'headers.cookie', 'headers["set-cookie"]', 'headers["x-govflow-api-key"]',
        '*.headers.authorization', '*.headers.cookie', '*.headers["set-cookie"]', '*.headers["x-govflow-api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}
