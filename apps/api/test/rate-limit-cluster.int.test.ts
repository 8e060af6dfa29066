import { randomUUID } from "node:crypto";
import { createRedis, type RedisClient } from "@dibs/gate";
import { CLUSTER_NODES, redisClusterSh } from "@dibs/gate/testing/cluster";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp, userToken } from "./support/test-app.ts";

describe("the per-user rate limit on a Redis Cluster", () => {
  let redis: RedisClient;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    await redisClusterSh("start");
    redis = createRedis({ REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    redis?.disconnect();
  });

  it("is one count per user across two API instances (in memory each would allow all five)", async () => {
    const [a, b] = await Promise.all([1, 2].map(() => testApp({ rateLimit: { perUserPerSecond: 3, redis } })));
    apps.push(a!.app, b!.app);
    const user = `limited-${randomUUID()}`;
    const answers = [];
    for (const t of [a!, b!, a!, b!, a!]) {
      const coupon = t.addCoupon({ stock: 100, perUserLimit: 100 });
      const answer = await t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken(user)}` } });
      answers.push(answer.statusCode);
    }
    expect(answers).toEqual([202, 202, 202, 429, 429]);
  });
});
