import { checkCoupon, type ObservedRequest } from "@dibs/checker";
import { DECISIONS_CHANNEL, decodeDecisionNotices, gateKeys, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import { createRedis, createSubscriber, subscribe } from "@dibs/gate";
import { CLUSTER_NODES, redisClusterSh } from "@dibs/gate/testing/cluster";
import type { Issuer } from "@dibs/issuer/wiring";
import { createKafka, ensureTopics } from "@dibs/kafka";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel, waitFor } from "../src/http.ts";
import { log, type RunningApi, type SystemSettings, startApi, startIssuers, tokenFor } from "../src/system.ts";

const COUPONS = 20;
const STOCK = 50;
const REQUESTS = 3_000;
/**
 * The Redis Cluster, and a consumer group of the test's own that starts at the topic's end: it decides this sale
 * only, whatever another checkout's issuers do on the shared broker meanwhile.
 */
const onCluster: SystemSettings = {
  REDIS_URL: "redis://127.0.0.1",
  REDIS_CLUSTER_NODES: CLUSTER_NODES,
  ISSUER_GROUP_ID: `dibs-e2e-cluster-${Date.now().toString(36)}`,
};

describe("a flash sale on a Redis Cluster: 20 coupons of 50, 3,000 requests from 3,000 users, two issuers", () => {
  let api: RunningApi;
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const admin = tokenFor("e2e-admin", { admin: true });
  let redis: Cluster;

  beforeAll(async () => {
    await redisClusterSh("start");
    const admin = createKafka({ brokers: testEnv.kafkaBrokers, clientId: "e2e-cluster-sale", logger: log }).admin();
    await admin.connect();
    await ensureTopics(admin, log);
    const ends = await admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC);
    await admin.setOffsets({
      groupId: onCluster.ISSUER_GROUP_ID!,
      topic: ISSUE_REQUEST_TOPIC,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
    await admin.disconnect();
    redis = createRedis({ REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES }) as Cluster;
    [api, issuers] = await Promise.all([startApi(onCluster), startIssuers(2, onCluster)]);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all((issuers ?? []).map((issuer) => issuer.stop()));
    await prisma.$disconnect();
    redis?.disconnect();
  });

  it("issues exactly each coupon's stock, once per user; coupons spread over every master; Redis agrees with Postgres", async () => {
    const couponIds = await Promise.all(
      Array.from({ length: COUPONS }, async (_, i) => {
        const created = await call<{ id: string }>(`${api.url}/admin/coupons`, {
          method: "POST",
          token: admin,
          body: { name: `cluster sale ${i}`, stock: STOCK },
        });
        expect(created.status).toBe(201);
        return created.body.id;
      }),
    );

    // The issuers' announcements, heard over sharded pub/sub as an API instance hears them.
    const subscriber = createSubscriber(redis);
    const announced = new Set<string>();
    const stopListening = await subscribe(subscriber, DECISIONS_CHANNEL, (message) => {
      for (const notice of decodeDecisionNotices(message)) announced.add(notice.requestId);
    });

    const run = Date.now().toString(36);
    const asks = Array.from({ length: REQUESTS }, (_, i) => ({ userId: `cluster-${run}-${i}`, couponId: couponIds[i % COUPONS]! }));
    const tokens = new Map(asks.map((a) => [a.userId, tokenFor(a.userId)]));
    const observed = await inParallel(asks, 200, async ({ userId, couponId }) => {
      const response = await call<{ requestId?: string; code?: string }>(`${api.url}/coupons/${couponId}/issue`, {
        method: "POST",
        token: tokens.get(userId)!,
      });
      return { couponId, userId, status: response.status, requestId: response.body.requestId, code: response.body.code };
    });
    expect(observed.every((o) => o.status === 202 || (o.status === 409 && o.code === "COUPON_SOLD_OUT"))).toBe(true);

    const accepted = observed.filter((o) => o.status === 202);
    await waitFor(
      "every accepted request to be decided",
      async () => ((await prisma.issueDecision.count({ where: { couponId: { in: couponIds } } })) >= accepted.length ? true : undefined),
      120_000,
    );

    const masters = new Set<string>();
    for (const couponId of couponIds) {
      const mine: ObservedRequest[] = observed.filter((o) => o.couponId === couponId);
      const report = await checkCoupon(prisma, redis, couponId, mine);
      expect(report.violations, couponId).toEqual([]);
      expect(report.issued, couponId).toBe(STOCK);
      const reconciled = await call<{ differences: string[] }>(`${api.url}/admin/coupons/${couponId}/reconcile`, { token: admin });
      expect(reconciled.body.differences, couponId).toEqual([]);
      expect(await redis.exists(gateKeys(couponId).meta)).toBe(1);
      masters.add(redis.slots[Number(await redis.cluster("KEYSLOT", gateKeys(couponId).meta))]![0]!);
    }
    expect(masters.size).toBe(3);

    await waitFor("every decision to be announced", async () => (accepted.every((o) => announced.has(o.requestId!)) ? true : undefined), 10_000);
    await stopListening();
    subscriber.disconnect();
  });
});
