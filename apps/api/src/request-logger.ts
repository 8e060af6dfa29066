import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/**
 * A request's logger that becomes a pino child only when the request logs something. Fastify makes a child for every
 * request (its id bound) and the tracing plugin binds the trace id to it; during a flash sale nearly every request
 * logs nothing, and making the child and writing its bindings to JSON cost as much as a header of the answer.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  private added: Bindings | undefined;

  private readonly parent: FastifyBaseLogger;
  private readonly bound: Bindings;
  private readonly options: ChildLoggerOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.parent = parent;
    this.bound = bindings;
    this.options = options;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  /** pino's `setBindings`: kept until the child is made, then bound to it. */
  setBindings(bindings: Bindings): void {
    if (this.made) (this.made as FastifyBaseLogger & { setBindings(b: Bindings): void }).setBindings(bindings);
    else this.added = this.added ? { ...this.added, ...bindings } : bindings;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.write("fatal", args);
  }
  error(...args: unknown[]): void {
    this.write("error", args);
  }
  warn(...args: unknown[]): void {
    this.write("warn", args);
  }
  info(...args: unknown[]): void {
    this.write("info", args);
  }
  debug(...args: unknown[]): void {
    this.write("debug", args);
  }
  trace(...args: unknown[]): void {
    this.write("trace", args);
  }
  silent(): void {}

  private write(level: Level, args: unknown[]): void {
    const logger = this.logger();
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }

  private logger(): FastifyBaseLogger {
    if (!this.made) {
      this.made = this.parent.child(this.added ? { ...this.bound, ...this.added } : this.bound, this.options);
      this.added = undefined;
    }
    return this.made;
  }
}
