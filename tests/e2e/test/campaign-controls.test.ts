import { createPrismaClient } from "@dibs/db";
import { drawSeed, drawWinners, entrantsHash, seedHash } from "@dibs/domain";
import type { Issuer } from "@dibs/issuer/wiring";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, waitFor } from "../src/http.ts";
import { createCoupon, drained, expectExact, flood } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

describe("campaign controls on the real pipeline", () => {
  let api: RunningApi;
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);
  const admin = tokenFor("e2e-admin", { admin: true });
  const run = Date.now().toString(36);
  const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${run}-${i}`);
  const control = (couponId: string, action: string, body?: unknown) =>
    call<Record<string, unknown>>(`${api.url}/admin/coupons/${couponId}/${action}`, { method: "POST", token: admin, body });

  beforeAll(async () => {
    [api, issuers] = await Promise.all([startApi(), startIssuers(1)]);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all((issuers ?? []).map((i) => i.stop()));
    await prisma.$disconnect();
    redis.disconnect();
  });

  it("enforces a per-user limit of 3 under concurrency", async () => {
    const couponId = await createCoupon(api.url, { name: "limit 3", stock: 100, perUserLimit: 3 });
    const askers = users("limit", 10).flatMap((u) => Array.from({ length: 8 }, () => u));
    const observed = await flood(api.url, couponId, askers, 80);
    await expectExact(prisma, redis, couponId, observed);
    const issues = await prisma.couponIssue.groupBy({ by: ["userId"], where: { couponId }, _count: { _all: true } });
    expect(issues.map((i) => i._count._all)).toEqual(Array(10).fill(3));
    const duplicates = await prisma.issueDecision.findMany({ where: { couponId, decision: "DUPLICATE" } });
    expect(duplicates).toHaveLength(50);
    expect(duplicates.every((d) => d.holding === 3)).toBe(true);
  });

  it("answers 409 at once while paused, produces nothing, and drains normally after resume", async () => {
    const couponId = await createCoupon(api.url, { name: "pause", stock: 1_000 });
    const before = await flood(api.url, couponId, users("before-pause", 100));
    expect((await control(couponId, "pause")).body.status).toBe("PAUSED");
    const during = await flood(api.url, couponId, users("during-pause", 50));
    expect(new Set(during.map((o) => `${o.status} ${o.code}`))).toEqual(new Set(["409 COUPON_PAUSED"]));
    await drained(prisma, before);
    expect(await prisma.issueDecision.count({ where: { couponId } })).toBe(before.filter((o) => o.status === 202).length);
    expect((await control(couponId, "resume")).body.status).toBe("OPEN");
    const after = await flood(api.url, couponId, users("after-pause", 50));
    expect(after.every((o) => o.status === 202)).toBe(true);
    await expectExact(prisma, redis, couponId, [...before, ...during, ...after]);
    expect(await prisma.couponIssue.count({ where: { couponId } })).toBe(150);
  });

  it("issues exactly the new stock when stock is added mid-sale, once per operation id", async () => {
    const couponId = await createCoupon(api.url, { name: "add stock", stock: 50 });
    const first = await flood(api.url, couponId, users("stock-a", 100));
    await drained(prisma, first);
    expect(await prisma.couponIssue.count({ where: { couponId } })).toBe(50);
    const added = await control(couponId, "stock", { add: 30, operationId: `op-${run}` });
    const retried = await control(couponId, "stock", { add: 30, operationId: `op-${run}` });
    const conflicting = await control(couponId, "stock", { add: 31, operationId: `op-${run}` });
    expect([added.body.applied, retried.body.applied, retried.body.stock]).toEqual([true, false, 80]);
    expect(conflicting.status).toBe(409);
    const second = await flood(api.url, couponId, users("stock-b", 60));
    await expectExact(prisma, redis, couponId, [...first, ...second]);
    expect(await prisma.couponIssue.count({ where: { couponId } })).toBe(80);
    const negative = await control(couponId, "stock", { add: -5, operationId: `neg-${run}` });
    expect(negative.status).toBe(400);
  });

  it("exports the winners as CSV, equal to the rows, and audits every change", async () => {
    const couponId = await createCoupon(api.url, { name: "export", stock: 20 });
    const observed = await flood(api.url, couponId, users("export", 30));
    await drained(prisma, observed);
    await control(couponId, "close");
    const response = await fetch(`${api.url}/admin/coupons/${couponId}/issues.csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.headers.get("content-type")).toContain("text/csv");
    const [header, ...lines] = (await response.text()).trim().split("\n");
    expect(header).toBe("position,user_id,seq,request_id,issued_at");
    const rows = await prisma.couponIssue.findMany({ where: { couponId }, orderBy: { id: "asc" } });
    expect(lines).toEqual(rows.map((r, i) => `${i + 1},${r.userId},${r.seq},${r.requestId},${r.issuedAt.toISOString()}`));
    const audit = await prisma.adminAudit.findMany({ where: { couponId }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ["e2e-admin", "create"],
      ["e2e-admin", "close"],
    ]);
    const late = await flood(api.url, couponId, users("after-close", 5));
    expect(new Set(late.map((o) => `${o.status} ${o.code}`))).toEqual(new Set(["409 COUPON_ENDED"]));
  });

  it("takes entries, draws the stock from them with the committed seed, and anyone can re-run the draw", async () => {
    const couponId = await createCoupon(api.url, { name: "lottery", stock: 10, mode: "LOTTERY" });
    const lottery = () =>
      call<{ seedHash: string; secret: string | null; seed: string | null; entrants: string[]; winners: string[] }>(
        `${api.url}/admin/coupons/${couponId}/lottery`,
        { token: admin },
      );
    const opened = await lottery();
    expect(opened.body.seedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.body.secret).toBeNull();
    expect(opened.body.seed).toBeNull();
    const kept = await prisma.lotterySecret.findUniqueOrThrow({ where: { couponId } });
    expect(kept.secret).toBeNull();
    expect(kept.sealedSecret).not.toContain(opened.body.seedHash);

    const users = Array.from({ length: 40 }, (_, i) => `lot-${run}-${i}`);
    const observed = await flood(api.url, couponId, [...users, ...users.slice(0, 5)]);
    expect(observed.every((o) => o.status === 202)).toBe(true);
    await waitFor("40 entries", async () => ((await prisma.lotteryEntry.count({ where: { couponId } })) === 40 ? true : undefined), 30_000);
    expect(await prisma.issueDecision.count({ where: { couponId, decision: "DUPLICATE" } })).toBe(5);
    const tooEarly = await call<{ code: string }>(`${api.url}/admin/coupons/${couponId}/draw`, { method: "POST", token: admin });
    expect(tooEarly.body.code).toBe("COUPON_NOT_ENDED");

    await call(`${api.url}/admin/coupons/${couponId}/close`, { method: "POST", token: admin });
    const drawn = await waitFor(
      "the draw",
      async () => {
        const r = await call<{ secret: string; entrantsHash: string; seed: string; entrants: string[]; winners: string[] }>(
          `${api.url}/admin/coupons/${couponId}/draw`,
          { method: "POST", token: admin },
        );
        return r.status === 200 ? r.body : undefined;
      },
      30_000,
    );
    expect(seedHash(drawn.secret)).toBe(opened.body.seedHash);
    expect(drawn.entrants).toHaveLength(40);
    expect(entrantsHash(drawn.entrants)).toBe(drawn.entrantsHash);
    expect(drawSeed(drawn.secret, drawn.entrantsHash)).toBe(drawn.seed);
    expect(drawWinners(drawn.entrants, drawn.seed, 10)).toEqual(drawn.winners);

    const decisions = await prisma.issueDecision.groupBy({ by: ["decision"], where: { couponId }, _count: { _all: true } });
    expect(Object.fromEntries(decisions.map((d) => [d.decision, d._count._all]))).toEqual({ ISSUED: 10, SOLD_OUT: 30, DUPLICATE: 5 });
    const issuedTo = (await prisma.couponIssue.findMany({ where: { couponId }, orderBy: { id: "asc" } })).map((i) => i.userId);
    expect(issuedTo).toEqual(drawn.winners);
    const again = await call<{ winners: string[] }>(`${api.url}/admin/coupons/${couponId}/draw`, { method: "POST", token: admin });
    expect(again.body.winners).toEqual(drawn.winners);
  });
});
