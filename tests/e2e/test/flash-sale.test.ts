import { checkCoupon, type ObservedRequest } from "@dibs/checker";
import { createPrismaClient } from "@dibs/db";
import type { Issuer } from "@dibs/issuer/wiring";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel, waitFor } from "../src/http.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

const STOCK = 500;
const USERS = 2_000;
const REQUESTS = 5_000;

describe("a flash sale of 5,000 requests from 2,000 users for 500 coupons, two issuers", () => {
  let api: RunningApi;
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);
  const admin = tokenFor("e2e-admin", { admin: true });

  beforeAll(async () => {
    [api, issuers] = await Promise.all([startApi(), startIssuers(2)]);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all((issuers ?? []).map((issuer) => issuer.stop()));
    await prisma.$disconnect();
    redis.disconnect();
  });

  it("issues exactly the stock, once per user, and every accepted request reaches a final status", async () => {
    const created = await call<{ id: string }>(`${api.url}/admin/coupons`, { method: "POST", token: admin, body: { name: "e2e flash sale", stock: STOCK } });
    expect(created.status).toBe(201);
    const couponId = created.body.id;

    // Every user asks at least once; the rest of the requests come from users who keep pressing the button.
    const run = Date.now().toString(36);
    const askers = Array.from({ length: REQUESTS }, (_, i) => `user-${run}-${i < USERS ? i : Math.floor(Math.random() * USERS)}`);
    const tokens = new Map(askers.map((u) => [u, tokenFor(u)]));
    const observed: ObservedRequest[] = await inParallel(askers, 200, async (userId) => {
      const response = await call<{ requestId?: string; status?: string; code?: string }>(`${api.url}/coupons/${couponId}/issue`, {
        method: "POST",
        token: tokens.get(userId)!,
      });
      return { userId, status: response.status, requestId: response.body.requestId, code: response.body.code };
    });
    const statuses = countBy(observed.map((o) => o.status));
    expect(
      Object.keys(statuses)
        .map(Number)
        .every((s) => s === 202 || s === 409),
      JSON.stringify(statuses),
    ).toBe(true);

    const accepted = observed.filter((o) => o.status === 202);
    await waitFor(
      "every accepted request to be decided",
      async () => {
        const decided = await prisma.issueDecision.count({ where: { couponId } });
        return decided >= accepted.length ? decided : undefined;
      },
      90_000,
    );

    const report = await checkCoupon(prisma, redis, couponId, observed);
    expect(report.violations).toEqual([]);
    expect(report.issued).toBe(STOCK);

    // Each user learns the truth about each of their own requests through the API.
    const finals = await inParallel(accepted, 100, async (o) => {
      const response = await call<{ status: string }>(`${api.url}/issue-requests/${o.requestId}`, { token: tokens.get(o.userId)! });
      return response.body.status;
    });
    expect(finals.filter((s) => s === "PENDING")).toEqual([]);
    expect(finals.filter((s) => s === "ISSUED")).toHaveLength(STOCK);

    // Once sold out, the API answers at once and Kafka sees nothing more.
    const decidedBefore = await prisma.issueDecision.count({ where: { couponId } });
    const late = await inParallel(
      Array.from({ length: 200 }, (_, i) => `late-${run}-${i}`),
      50,
      (u) => call<{ code: string }>(`${api.url}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor(u) }),
    );
    expect(late.map((r) => `${r.status} ${r.body.code}`)).toEqual(late.map(() => "409 COUPON_SOLD_OUT"));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await prisma.issueDecision.count({ where: { couponId } })).toBe(decidedBefore);

    const summary = await call<{ issued: number; remaining: number; status: string; decisions: Record<string, number> }>(
      `${api.url}/admin/coupons/${couponId}`,
      { token: admin },
    );
    expect(summary.body).toMatchObject({ issued: STOCK, remaining: 0, status: "SOLD_OUT" });
    expect(summary.body.decisions.ISSUED).toBe(STOCK);
  });
});

function countBy(values: Array<string | number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
