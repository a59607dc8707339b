/**
 * The logger Fastify hands each request (`request.log`, `reply.log`): the server logger's child with the request's
 * id, made when the request first logs something instead of on arrival.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type LogArguments = Parameters<FastifyBaseLogger['info']>;

/**
 * Fastify makes a child logger for every request, and pino runs the logger's redaction over the child's bindings
 * when it makes one (the wildcard paths match every key): ≈ 1 % of a page's CPU, on every request, for a logger that
 * a request which ends well never writes to (the access line has its own logger, see AccessLineLogController). This
 * one makes the same child, with the same bindings and options, the first time the request logs.
 */
class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildOptions) {}

  private get log(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  isLevelEnabled(level: string): boolean {
    const log = this.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
    return log.isLevelEnabled?.(level) ?? true;
  }

  fatal(...args: LogArguments): void {
    this.log.fatal(...args);
  }

  error(...args: LogArguments): void {
    this.log.error(...args);
  }

  warn(...args: LogArguments): void {
    this.log.warn(...args);
  }

  info(...args: LogArguments): void {
    this.log.info(...args);
  }

  debug(...args: LogArguments): void {
    this.log.debug(...args);
  }

  trace(...args: LogArguments): void {
    this.log.trace(...args);
  }

  silent(...args: LogArguments): void {
    this.log.silent(...args);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, made on first use. */
export function requestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new RequestLogger(parent, bindings, options);
}
