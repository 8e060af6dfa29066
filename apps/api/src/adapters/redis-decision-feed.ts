import { DECISIONS_CHANNEL, decodeDecisionNotices } from "@dibs/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { DecisionFeed } from "../ports.ts";

/** The issuer's announcements of recorded decisions, one subscription per API instance. */
export class RedisDecisionFeed implements DecisionFeed {
  private readonly listeners: Array<(requestIds: readonly string[]) => void> = [];

  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  async listen(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(DECISIONS_CHANNEL);
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== DECISIONS_CHANNEL || this.listeners.length === 0) return;
      try {
        const requestIds = decodeDecisionNotices(message).map((notice) => notice.requestId);
        for (const listener of this.listeners) listener(requestIds);
      } catch (error) {
        this.log.warn({ err: error }, "unreadable decision notice");
      }
    });
  }

  onDecided(listener: (requestIds: readonly string[]) => void): void {
    this.listeners.push(listener);
  }
}
