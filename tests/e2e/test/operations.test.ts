import { randomUUID } from "node:crypto";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, encodeIssueRequest, gateKeys, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import type { Issuer } from "@dibs/issuer/wiring";
import { createKafka } from "@dibs/kafka";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, waitFor } from "../src/http.ts";
import { createCoupon, drained, expectExact, flood } from "../src/sale.ts";
import { log, type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

describe("operating a campaign: dead letters, reconciliation, fairness", () => {
  let apis: RunningApi[];
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);
  const kafka = createKafka({ brokers: testEnv.kafkaBrokers, clientId: "e2e-operations", logger: log });
  const producer = kafka.producer();
  const admin = tokenFor("e2e-admin", { admin: true });
  const run = Date.now().toString(36);

  beforeAll(async () => {
    [apis, issuers] = await Promise.all([Promise.all([startApi(), startApi()]), startIssuers(1)]);
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()));
    await Promise.all(issuers.map((i) => i.stop()));
    await producer.disconnect();
    await prisma.$disconnect();
    redis.disconnect();
  });

  it("lists a poison message with its reason, and a replay changes nothing already decided", async () => {
    const url = apis[0]!.url;
    const couponId = await createCoupon(url, { name: "dlq", stock: 5 });
    const decided = { requestId: randomUUID(), couponId, userId: `dlq-${run}`, acceptedAt: new Date() };
    const marker = `poison-${run}`;
    await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: [{ key: couponId, value: `{${marker}` }, encodeIssueRequest(decided)] });
    await waitFor(
      "the good request to be decided",
      async () => (await prisma.issueDecision.findUnique({ where: { requestId: decided.requestId } })) ?? undefined,
      30_000,
    );
    // A copy of the decided request, dead-lettered (as if it had failed once), must replay into the same decision.
    await producer.send({
      topic: DEAD_LETTER_TOPIC,
      acks: -1,
      messages: [{ ...encodeIssueRequest(decided), headers: { [DEAD_LETTER_HEADERS.reason]: "retries exhausted" } }],
    });

    const letters = await waitFor(
      "the poison message in /admin/dlq",
      async () => {
        const listed = await call<{ items: Array<{ id: string; reason: string; value: string; requestId: string | null }> }>(`${url}/admin/dlq`, {
          token: admin,
        });
        const ours = listed.body.items.filter((l) => l.value.includes(marker) || l.requestId === decided.requestId);
        return ours.length === 2 ? ours : undefined;
      },
      30_000,
    );
    expect(letters.find((l) => l.value.includes(marker))?.reason).toContain("not JSON");

    const replay = await call<{ replayed: Array<{ requestId: string }>; skipped: Array<{ reason: string }> }>(`${url}/admin/dlq/replay`, {
      method: "POST",
      token: admin,
      body: { ids: letters.map((l) => l.id) },
    });
    expect(replay.body.replayed.map((r) => r.requestId)).toEqual([decided.requestId]);
    expect(replay.body.skipped[0]?.reason).toContain("still unreadable");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await prisma.issueDecision.count({ where: { couponId } })).toBe(1);
    expect(await prisma.couponIssue.count({ where: { couponId } })).toBe(1);
  });

  it("reconcile finds a deliberately broken Redis key, and repair fixes it", async () => {
    const url = apis[0]!.url;
    const couponId = await createCoupon(url, { name: "reconcile", stock: 10 });
    const observed = await flood(
      url,
      couponId,
      Array.from({ length: 6 }, (_, i) => `rec-${run}-${i}`),
    );
    await drained(prisma, observed);
    await redis.hset(gateKeys(couponId).meta, "issued", 2);
    const broken = await call<{ differences: string[]; consumerLag: unknown[] }>(`${url}/admin/coupons/${couponId}/reconcile`, { token: admin });
    expect(broken.body.differences).toEqual(["issued: Redis 2, Postgres 6"]);
    expect(broken.body.consumerLag).toHaveLength(6);
    const repaired = await call<{ remaining: string[] }>(`${url}/admin/coupons/${couponId}/repair`, { method: "POST", token: admin });
    expect(repaired.body.remaining).toEqual([]);
    const after = await call<{ differences: string[] }>(`${url}/admin/coupons/${couponId}/reconcile`, { token: admin });
    expect(after.body.differences).toEqual([]);
  });

  it("measures fairness with two API instances: how far issue order departs from acceptance order", async () => {
    const [a, b] = apis as [RunningApi, RunningApi];
    const couponId = await createCoupon(a.url, { name: "fairness", stock: 200 });
    const users = Array.from({ length: 1_000 }, (_, i) => `fair-${run}-${i}`);
    const [fromA, fromB] = await Promise.all([flood(a.url, couponId, users.slice(0, 500), 100), flood(b.url, couponId, users.slice(500), 100)]);
    await expectExact(prisma, redis, couponId, [...fromA, ...fromB]);
    const summary = await call<{ fairness: { soldOut: number; overtaken: number; overtakenShare: number; largestGapMs: number } }>(
      `${a.url}/admin/coupons/${couponId}`,
      { token: admin },
    );
    const { fairness } = summary.body;
    log.warn({ fairness }, "fairness with two API instances");
    const accepted = [...fromA, ...fromB].filter((o) => o.status === 202).length;
    expect(fairness.soldOut).toBe(accepted - 200);
    expect(fairness.overtakenShare).toBeGreaterThanOrEqual(0);
    expect(fairness.overtakenShare).toBeLessThanOrEqual(1);
    expect(fairness.largestGapMs).toBeLessThan(10_000);
  });
});
