import { randomUUID } from "node:crypto";
import { DECISIONS_CHANNEL, decodeDecisionNotices, gateKeys } from "@dibs/contracts";
import type { Coupon, DecidedRequest } from "@dibs/domain";
import { aCoupon } from "@dibs/domain/testing";
import { createRedis, createSubscriber, type RedisClient, RedisIssueGate, subscribe } from "@dibs/gate";
import { REDIS_TARGETS } from "@dibs/gate/testing/cluster";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisDecisionNotifier } from "../src/adapters/redis-decision-notifier.ts";
import { eventually } from "./support/pipeline-lab.ts";

describe.each(REDIS_TARGETS)("the decision notifier on $name", ({ connect }) => {
  let redis: RedisClient;
  let subscriber: RedisClient;
  let unsubscribe: () => Promise<void>;
  let gate: RedisIssueGate;
  const announced = new Map<string, string>();
  const coupons: Coupon[] = [];

  beforeAll(async () => {
    redis = await connect();
    gate = new RedisIssueGate(redis);
    subscriber = createSubscriber(redis);
    unsubscribe = await subscribe(subscriber, DECISIONS_CHANNEL, (message) => {
      for (const notice of decodeDecisionNotices(message)) announced.set(notice.requestId, notice.decision);
    });
  }, 60_000);
  afterAll(async () => {
    await unsubscribe();
    await Promise.all(coupons.map((c) => redis.del(...Object.values(gateKeys(c.id)))));
    subscriber.disconnect();
    redis.disconnect();
  });

  /** Decides two users' requests for the coupon at the gate, which keeps their verdicts until it is told to forget. */
  async function decidedAtGate(stock: number): Promise<DecidedRequest[]> {
    const coupon = aCoupon({ id: randomUUID(), stock });
    coupons.push(coupon);
    await gate.rebuild({ coupon, epoch: 1, holdings: async function* () {} });
    const requests = ["a", "b"].map((userId) => ({ requestId: randomUUID(), couponId: coupon.id, userId, acceptedAt: new Date() }));
    const { verdicts } = (await gate.decide(coupon, requests))!;
    return requests.map((request, i) => ({ ...request, ...verdicts[i]! }));
  }

  it("announces a batch's decisions and lets the gate forget their verdicts, for every coupon in the batch", async () => {
    const decided = [...(await decidedAtGate(1)), ...(await decidedAtGate(5))];
    for (const coupon of coupons) expect((await gate.inspect(coupon.id)).inFlight).toBe(2);

    await new RedisDecisionNotifier(redis, gate, pino({ level: "silent" })).recorded(decided);

    await eventually(() => decided.every((d) => announced.has(d.requestId)));
    expect(decided.map((d) => announced.get(d.requestId))).toEqual(["ISSUED", "SOLD_OUT", "ISSUED", "ISSUED"]);
    for (const coupon of coupons) expect((await gate.inspect(coupon.id)).inFlight).toBe(0);
  });
});

describe("the decision notifier without Redis", () => {
  it("logs that it could not reach Redis and does not fail the batch", async () => {
    const unreachable = createRedis({ REDIS_URL: "redis://127.0.0.1:1" }, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    const warnings: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const decided: DecidedRequest = { requestId: randomUUID(), couponId: randomUUID(), userId: "a", acceptedAt: new Date(), decision: "ISSUED" };

    await new RedisDecisionNotifier(unreachable, new RedisIssueGate(unreachable), log).recorded([decided]);

    expect(warnings).toEqual([expect.stringMatching(/^could not announce decisions/)]);
    unreachable.disconnect();
  });
});
