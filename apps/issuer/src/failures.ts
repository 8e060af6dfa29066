import { GateBusyError } from "@dibs/domain";

/**
 * What the issuer retries and what it sets aside. A failure is transient when it says that Kafka, Redis or Postgres
 * is down, slow or busy: the same work will pass once it is back, so it is retried. Anything else is a fault of the
 * work itself, and retrying it would stop the partition for good.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (error == null || typeof error !== "object" || depth > 5) return false;
  const e = error as ErrorShape;
  if (e instanceof GateBusyError) return true;
  if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || PRISMA_CODES.has(e.code))) return true;
  // A raw query's failure (Prisma's P2010) carries what the driver or Postgres said.
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (adapterCause) return isTransientPostgres(adapterCause);
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.name === "ReplyError" && typeof e.message === "string" && REDIS_BUSY.test(e.message)) return true;
  if (typeof e.name === "string" && e.name.startsWith("KafkaJS") && e.retriable === true) return true;
  if (typeof e.message === "string" && REDIS_CONNECTION.test(e.message)) return true;
  return isTransient(e.cause, depth + 1) || (Array.isArray(e.errors) && e.errors.some((inner) => isTransient(inner, depth + 1)));
}

interface ErrorShape {
  name?: string;
  code?: unknown;
  message?: unknown;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
  meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } };
}

/** Node's socket errors: a dependency went away or cannot be reached. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNABORTED"]);

/** Prisma's: cannot reach or lost the server, timed out, no connection in the pool, a transaction it had to end. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034"]);

/** The driver adapter's kinds that mean the server, not the statement. */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TransactionAlreadyClosed",
  "TransactionWriteConflict",
]);

/**
 * SQLSTATE classes and codes that pass on their own: connection exceptions (08), serialization failure and deadlock
 * (40001, 40P01), lock not available (55P03), statement timeout or cancel (57014), shutdown and starting up (57P01-03),
 * insufficient resources (53).
 */
function isTransientPostgres(cause: { kind?: string; originalCode?: string }): boolean {
  if (cause.kind && ADAPTER_KINDS.has(cause.kind)) return true;
  const code = cause.originalCode ?? "";
  return code.startsWith("08") || code.startsWith("53") || ["40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"].includes(code);
}

/** ioredis and kafkajs errors that say the connection or the server, not the command. */
const TRANSIENT_NAMES = new Set([
  "MaxRetriesPerRequestError",
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSLockTimeout",
]);

/** Redis refusing for now: loading its data, a script running too long, a failover, a repair holding the fence. */
const REDIS_BUSY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|FENCED)\b/;
/**
 * A Redis Cluster's failover: a master gone until its replica is promoted (ioredis gives up on a command after its
 * redirections, or cannot read the slots from any node meanwhile).
 */
const REDIS_CONNECTION =
  /^(Connection is closed|Command timed out|Stream isn't writeable|Reached the max retries per request limit|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|Cluster isn't ready)/;

/** The batch is no longer this issuer's to decide (rebalance, stop): its messages come again to their next owner. */
export class AbandonedError extends Error {
  constructor() {
    super("abandoned: the partition was reassigned or the issuer is stopping");
    this.name = "AbandonedError";
  }
}

/** A failure of the work itself: retrying it cannot help. */
export class DeterministicFailure extends Error {
  readonly failure: unknown;

  constructor(failure: unknown, persisted = false) {
    const what = failure instanceof Error ? failure.message : String(failure);
    super(persisted ? `kept failing while Kafka, Redis and Postgres answered: ${what}` : what);
    this.failure = failure;
    this.name = "DeterministicFailure";
  }
}

export interface RetryPolicy {
  isTransient(error: unknown): boolean;
  /** Whether Redis and Postgres answer right now. */
  dependenciesAnswer(): Promise<boolean>;
  backoffMs(attempt: number): number;
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Runs `work` until it succeeds. A transient failure is retried with backoff for as long as the dependencies are down;
 * once they answer, for `patienceMs` more at most: a "transient" failure that outlasts that while everything answers
 * is the work's own, and is thrown as a DeterministicFailure, as is every other failure at once.
 */
export async function retryTransient<T>(work: () => Promise<T>, policy: RetryPolicy, patienceMs: number, signal: AbortSignal): Promise<T> {
  let patientSince = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new AbandonedError();
    try {
      return await work();
    } catch (error) {
      if (error instanceof AbandonedError || error instanceof DeterministicFailure) throw error;
      if (!policy.isTransient(error)) throw new DeterministicFailure(error);
      if (Date.now() - patientSince >= patienceMs) {
        if (await policy.dependenciesAnswer()) throw new DeterministicFailure(error, true);
        patientSince = Date.now();
      }
      const delayMs = policy.backoffMs(attempt);
      policy.onRetry(error, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
