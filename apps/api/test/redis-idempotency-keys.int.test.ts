import { randomUUID } from "node:crypto";
import { createRedis, type RedisClient } from "@dibs/gate";
import { CLUSTER_NODES, redisClusterSh } from "@dibs/gate/testing/cluster";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeyOf, RedisIdempotencyKeys } from "../src/adapters/redis-idempotency-keys.ts";

/** One key per scope, so the same on one Redis and on the tests' Redis Cluster. */
const targets = [
  { name: "one Redis", connect: async (): Promise<RedisClient> => new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1") },
  {
    name: "a Redis Cluster",
    connect: async (): Promise<RedisClient> => {
      await redisClusterSh("start");
      return createRedis({ REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES });
    },
  },
];

const aRequest = (userId: string, couponId: string) => ({ requestId: randomUUID(), couponId, userId, acceptedAt: new Date() });

describe.each(targets)("Idempotency-Keys on $name", ({ connect }) => {
  let redis: RedisClient;
  let keys: RedisIdempotencyKeys;
  beforeAll(async () => {
    redis = await connect();
    keys = new RedisIdempotencyKeys(redis);
  }, 60_000);
  afterAll(() => redis.disconnect());

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
