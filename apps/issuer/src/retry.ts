export interface RetryControl {
  /** False once the batch must be abandoned (shutdown, rebalance): the work is then left for redelivery. */
  shouldContinue(): boolean;
  /** Keeps the group membership alive while we wait. */
  heartbeat(): Promise<void>;
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

export class AbandonedError extends Error {
  constructor() {
    super("batch abandoned: consumer stopping or partition reassigned");
    this.name = "AbandonedError";
  }
}

/** Retries a transient failure with capped exponential backoff, never skipping the work. */
export async function retryUntilDone<T>(work: () => Promise<T>, control: RetryControl): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (!control.shouldContinue()) throw new AbandonedError();
    try {
      return await work();
    } catch (error) {
      const delayMs = Math.min(5_000, 100 * 2 ** (attempt - 1));
      control.onRetry(error, attempt, delayMs);
      await sleepWithHeartbeats(delayMs, control);
    }
  }
}

async function sleepWithHeartbeats(ms: number, control: RetryControl): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && control.shouldContinue()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())));
    await control.heartbeat().catch(() => undefined);
  }
}
