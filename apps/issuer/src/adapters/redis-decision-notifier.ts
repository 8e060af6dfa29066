import { DECISIONS_CHANNEL, encodeDecisionNotices } from "@dibs/contracts";
import type { DecidedRequest } from "@dibs/domain";
import { publish, type RedisClient } from "@dibs/gate";
import type { Logger } from "pino";

/**
 * Best effort: a lost notice only makes a waiting client fall back to reading Postgres, where the decision is.
 * So a failure here is logged and never fails the batch.
 */
export class RedisDecisionNotifier {
  private readonly redis: RedisClient;
  private readonly log: Logger;

  constructor(redis: RedisClient, log: Logger) {
    this.redis = redis;
    this.log = log;
  }

  async notify(decided: readonly DecidedRequest[]): Promise<void> {
    if (decided.length === 0) return;
    try {
      await publish(this.redis, DECISIONS_CHANNEL, encodeDecisionNotices(decided));
    } catch (error) {
      this.log.warn({ err: error, decisions: decided.length }, "could not announce decisions; clients will read them from Postgres");
    }
  }
}
