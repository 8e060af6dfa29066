import { DECISIONS_CHANNEL, decodeDecisionNotices } from "@dibs/contracts";
import { type RedisClient, subscribe } from "@dibs/gate";
import type { Logger } from "pino";
import type { DecisionFeed } from "../ports.ts";

/** The issuer's announcements of recorded decisions, one subscription per API instance. */
export class RedisDecisionFeed implements DecisionFeed {
  private readonly listeners: Array<(requestIds: readonly string[]) => void> = [];

  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  /** On a Redis Cluster the channel is sharded: it lives on its slot's master, and follows it through a failover. */
  async listen(subscriber: RedisClient): Promise<void> {
    await subscribe(subscriber, DECISIONS_CHANNEL, (message) => {
      if (this.listeners.length === 0) return;
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
