import { DECISIONS_CHANNEL, decodeDecisionNotices } from "@dibs/gate";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { DecisionFeed } from "../ports.ts";

/** Wakes requests waiting for a decision when the issuer announces it; one subscription per API instance. */
export class RedisDecisionFeed implements DecisionFeed {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly log: Logger) {}

  async listen(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(DECISIONS_CHANNEL);
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== DECISIONS_CHANNEL || this.waiting.size === 0) return;
      try {
        for (const notice of decodeDecisionNotices(message)) this.wake(notice.requestId);
      } catch (error) {
        this.log.warn({ err: error }, "unreadable decision notice");
      }
    });
  }

  wait(requestId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiting.get(requestId)?.delete(done);
        if (this.waiting.get(requestId)?.size === 0) this.waiting.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done);
      const set = this.waiting.get(requestId) ?? new Set();
      set.add(done);
      this.waiting.set(requestId, set);
    });
  }

  private wake(requestId: string): void {
    const set = this.waiting.get(requestId);
    if (set) for (const done of [...set]) done();
  }
}
