/** Stable codes: clients and the HTTP layer rely on them; never rename one. */
export const ERROR_CODES = [
  "COUPON_NOT_FOUND",
  "COUPON_NOT_STARTED",
  "COUPON_ENDED",
  "COUPON_PAUSED",
  "COUPON_NOT_ENDED",
  "ENTRIES_IN_FLIGHT",
  "COUPON_SOLD_OUT",
  "ISSUE_REQUEST_NOT_FOUND",
  "INVALID_COUPON",
  "STOCK_OPERATION_CONFLICT",
  "PUBLISH_UNAVAILABLE",
  "DEPENDENCY_UNAVAILABLE",
  "LOTTERY_KEY_UNAVAILABLE",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    // A refusal (sold out, not started, …) is an answer, not a fault: no stack to capture for each one of a flash sale.
    const stackTraceLimit = Error.stackTraceLimit;
    if (new.target === DomainError) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }
}

/** A dependency (Kafka, Redis, Postgres) failed: the caller must not pretend the work happened. */
export class UnavailableError extends DomainError {
  constructor(code: "PUBLISH_UNAVAILABLE" | "DEPENDENCY_UNAVAILABLE", message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = "UnavailableError";
  }
}
