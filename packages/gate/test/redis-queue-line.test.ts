import { randomUUID } from "node:crypto";
import { gateKeys, queuedRequestKey } from "@dibs/contracts";
import { aCoupon as couponRow } from "@dibs/domain/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../src/redis-connection.ts";
import { RedisIssueGate } from "../src/redis-issue-gate.ts";
import { RedisQueueLine } from "../src/redis-queue-line.ts";
import { REDIS_TARGETS } from "./support/redis-cluster.ts";

describe.each(REDIS_TARGETS)("the queue line on $name", ({ connect }) => {
  let redis: RedisClient;
  let line: RedisQueueLine;
  let gate: RedisIssueGate;
  const coupons: string[] = [];
  const requests: string[] = [];
  const aCoupon = () => {
    const id = randomUUID();
    coupons.push(id);
    return id;
  };
  const entries = (couponId: string, count: number) =>
    Array.from({ length: count }, () => {
      const requestId = randomUUID();
      requests.push(requestId);
      return { requestId, couponId };
    });

  beforeAll(async () => {
    redis = await connect();
    line = new RedisQueueLine(redis);
    gate = new RedisIssueGate(redis);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(coupons.map((id) => redis.del(...Object.values(gateKeys(id)))));
    await Promise.all(requests.map((id) => redis.del(queuedRequestKey(id))));
    redis.disconnect();
  });

  it("numbers 1,000 requests joining at once from ten callers 1..1,000, no gap and no repeat, each in its caller's order", async () => {
    const couponId = aCoupon();
    const callers = Array.from({ length: 10 }, () => entries(couponId, 100));
    const answers = await Promise.all(callers.map((batch) => line.join(batch)));
    const positions = answers.flatMap((standings) => [...standings.values()].map((s) => s.position));
    expect(positions.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    for (const [i, batch] of callers.entries()) {
      const mine = batch.map((e) => answers[i]!.get(e.requestId)!.position);
      expect(mine).toEqual(mine.toSorted((a, b) => a - b));
      expect(mine.at(-1)! - mine[0]!).toBe(99);
    }
    expect(await line.depth(couponId)).toEqual({ joined: 1_000, waiting: 1_000 });
  });

  it("keeps a retry's place, and counts ahead only the requests still undecided", async () => {
    const couponId = aCoupon();
    const five = entries(couponId, 5);
    await line.join(five);
    const again = await line.join([five[3]!]);
    expect(again.get(five[3]!.requestId)).toEqual({ position: 4, ahead: 3, remaining: null });
    const [twice] = entries(couponId, 1);
    const together = await line.join([twice!, twice!]);
    expect(together.get(twice!.requestId)).toEqual({ position: 6, ahead: 5, remaining: null });
    await gate.forget(couponId, [twice!.requestId]);
    // The issuer takes requests out of the line once Postgres has their decisions.
    await gate.forget(couponId, [five[0]!.requestId, five[2]!.requestId]);
    const standings = await line.standings(
      couponId,
      five.map((e) => e.requestId),
    );
    expect([...standings].map(([id, s]) => [five.findIndex((e) => e.requestId === id), s.position, s.ahead])).toEqual([
      [1, 2, 0],
      [3, 4, 1],
      [4, 5, 2],
    ]);
    expect((await line.join(entries(couponId, 1))).values().next().value).toMatchObject({ position: 7, ahead: 3 });
    expect(await line.depth(couponId)).toEqual({ joined: 7, waiting: 4 });
  });

  it("tells the stock left from the gate, and which coupon's line a request waits in", async () => {
    const couponId = aCoupon();
    const coupon = couponRow({ id: couponId, stock: 3 });
    await gate.rebuild({ coupon, epoch: 1, holdings: async function* () {} });
    await gate.decide(coupon, [{ requestId: randomUUID(), couponId, userId: "alice", acceptedAt: new Date() }]);
    const [entry] = entries(couponId, 1);
    expect((await line.join([entry!])).get(entry!.requestId)).toEqual({ position: 1, ahead: 0, remaining: 2 });
    expect(await line.couponOf(entry!.requestId)).toBe(couponId);
    expect(await line.couponOf(randomUUID())).toBeNull();
  });

  it("keeps at most its bound of requests: later ones are numbered but not kept", async () => {
    const couponId = aCoupon();
    const bounded = new RedisQueueLine(redis, { bound: 3 });
    const four = entries(couponId, 4);
    const joined = await bounded.join(four);
    expect(four.map((e) => joined.get(e.requestId)?.position)).toEqual([1, 2, 3, 4]);
    expect(await redis.zcard(gateKeys(couponId).line)).toBe(3);
    expect((await bounded.standings(couponId, [four[3]!.requestId])).size).toBe(0);
    expect(await redis.pttl(gateKeys(couponId).line)).toBeGreaterThan(0);
  });
});
