import { DECISIONS_CHANNEL, encodeDecisionNotices } from "@dibs/contracts";
import type { DecidedRequest, IssueGate } from "@dibs/domain";
import { forgetting, groupByCoupon, publish, type RedisClient } from "@dibs/gate";
import type { Logger } from "pino";
import type { DecisionNotifier } from "../decision-follow-ups.ts";

/**
 * Best effort: a lost notice only makes a waiting client fall back to reading Postgres, where the decision is, and a
 * verdict the gate keeps by mistake costs memory only. So a failure here is logged and never fails a batch.
 */
export class RedisDecisionNotifier implements DecisionNotifier {
  private readonly redis: RedisClient;
  private readonly gate: Pick<IssueGate, "forget">;
  private readonly log: Logger;

  /** `gate` is the gate on `redis`. */
  constructor(redis: RedisClient, gate: Pick<IssueGate, "forget">, log: Logger) {
    this.redis = redis;
    this.gate = gate;
    this.log = log;
  }

  async recorded(decided: readonly DecidedRequest[]): Promise<void> {
    if (decided.length === 0) return;
    const notices = encodeDecisionNotices(decided);
    const byCoupon = groupByCoupon(decided);
    if (this.redis.isCluster) await this.eachOnItsShard(notices, byCoupon, decided.length);
    else await this.inOneRoundTrip(notices, byCoupon, decided.length);
  }

  /** One Redis holds the channel and every coupon: the notice and every coupon's forget go in one pipeline. */
  private async inOneRoundTrip(notices: string, byCoupon: Map<string, string[]>, decisions: number): Promise<void> {
    const pipeline = this.redis.pipeline().publish(DECISIONS_CHANNEL, notices);
    for (const [couponId, requestIds] of byCoupon) forgetting(pipeline, couponId, requestIds);
    try {
      const results = await pipeline.exec();
      const failure = results?.find(([error]) => error)?.[0];
      if (failure) throw failure;
    } catch (error) {
      this.log.warn({ err: error, decisions }, "could not announce decisions or let the gate forget them; clients will read them from Postgres");
    }
  }

  /** On a cluster the channel and each coupon live on a shard of their own: one call to each, side by side. */
  private async eachOnItsShard(notices: string, byCoupon: Map<string, string[]>, decisions: number): Promise<void> {
    const announced = publish(this.redis, DECISIONS_CHANNEL, notices).catch((error: unknown) =>
      this.log.warn({ err: error, decisions }, "could not announce decisions; clients will read them from Postgres"),
    );
    const forgotten = [...byCoupon].map(([couponId, requestIds]) =>
      this.gate.forget(couponId, requestIds).catch((error: unknown) => this.log.warn({ err: error, couponId }, "the gate could not let recorded verdicts go")),
    );
    await Promise.all([announced, ...forgotten]);
  }
}
