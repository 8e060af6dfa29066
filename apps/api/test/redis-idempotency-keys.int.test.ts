import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { idempotencyKeyOf, RedisIdempotencyKeys } from "../src/adapters/redis-idempotency-keys.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");
const keys = new RedisIdempotencyKeys(redis);
afterAll(() => redis.disconnect());

const aRequest = (userId: string, couponId: string) => ({ requestId: randomUUID(), couponId, userId, acceptedAt: new Date() });

describe("Idempotency-Keys in Redis", () => {
  it("keep apart two scopes that joined with ':' would read the same", async () => {
    const [c1, c2] = [randomUUID(), randomUUID()];
    const alice = { userId: "a", couponId: c1, key: `k:${c2}:z` };
    const mallory = { userId: `a:${c1}:k`, couponId: c2, key: "z" };
    expect(`${alice.userId}:${alice.couponId}:${alice.key}`).toBe(`${mallory.userId}:${mallory.couponId}:${mallory.key}`);

    const first = aRequest(alice.userId, c1);
    expect(await keys.claim(alice, first)).toEqual(first);
    expect(await keys.find(mallory)).toBeNull();
    expect(await keys.find(alice)).toEqual(first);
  });

  it("answer the first request to a second claim, and expire within 15 minutes", async () => {
    const scope = { userId: "bob", couponId: randomUUID(), key: randomUUID() };
    const first = aRequest("bob", scope.couponId);
    await keys.claim(scope, first);
    expect(await keys.claim(scope, aRequest("bob", scope.couponId))).toEqual(first);
    const ttl = await redis.ttl(idempotencyKeyOf(scope));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15 * 60);
  });
});
