import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Level from `GOVFLOW_LOG_LEVEL` (default `info`, `silent` under tests);
 * secrets are redacted by path so that a careless `log.info({ req })` cannot leak them.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const level = options.level ?? process.env['GOVFLOW_LOG_LEVEL'] ?? (process.env['NODE_TEST_CONTEXT'] ? 'silent' : 'info');
  return pino({
    name: options.name ?? 'govflow',
    level,
    redact: {
      paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  });
}
