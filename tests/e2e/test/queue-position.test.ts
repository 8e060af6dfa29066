import { gateKeys } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import type { Issuer } from "@dibs/issuer/wiring";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel } from "../src/http.ts";
import { createCoupon, expectExact } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

const REQUESTS = 1_000;
/** Enough for everyone: a sold-out coupon would refuse the later requests at once, without a place in line. */
const STOCK = REQUESTS;

interface Accepted {
  requestId?: string;
  status?: string;
  position?: number;
  ahead?: number;
  remaining?: number | null;
}

describe("the queue position, with two API instances behind one address", () => {
  let apis: RunningApi[];
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);

  beforeAll(async () => {
    [apis, issuers] = await Promise.all([Promise.all([startApi(), startApi()]), startIssuers(1)]);
  });

  afterAll(async () => {
    await Promise.all((apis ?? []).map((api) => api.close()));
    await Promise.all((issuers ?? []).map((issuer) => issuer.stop()));
    await prisma.$disconnect();
    redis.disconnect();
  });

  it(`numbers ${REQUESTS.toLocaleString("en")} requests for one coupon 1..${REQUESTS.toLocaleString("en")}, no gap and no repeat, and the line empties as they are decided`, async () => {
    const couponId = await createCoupon(apis[0]!.url, { name: "e2e queue position", stock: STOCK });
    const run = Date.now().toString(36);
    const users = Array.from({ length: REQUESTS }, (_, i) => `queue-${run}-${i}`);
    const observed = await inParallel(users, 100, async (userId, i) => {
      const response = await call<Accepted>(`${apis[i % 2]!.url}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor(userId) });
      return { ...response.body, userId, status: response.status };
    });
    expect(observed.filter((o) => o.status !== 202)).toEqual([]);

    const positions = observed.map((o) => o.position!);
    const missing = observed.filter((o) => o.position === undefined).length;
    const seen = new Map<number, number>();
    for (const p of positions) seen.set(p, (seen.get(p) ?? 0) + 1);
    expect({ missing, repeated: [...seen].filter(([, n]) => n > 1).map(([p]) => p) }).toEqual({ missing: 0, repeated: [] });
    expect(positions.toSorted((a, b) => a - b)).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
    for (const o of observed) {
      expect(o.ahead).toBeLessThan(o.position!);
      if (o.remaining !== null) expect(o.remaining).toBeLessThanOrEqual(STOCK);
    }

    await expectExact(prisma, redis, couponId, observed);
    // Decided, every request has left the line (Postgres and Redis agree), and a status shows no place any more.
    expect(await redis.zcard(gateKeys(couponId).line)).toBe(0);
    expect(await redis.get(gateKeys(couponId).joined)).toBe(String(REQUESTS));
    const last = observed.find((o) => o.position === REQUESTS)!;
    const status = await call<Accepted>(`${apis[1]!.url}/issue-requests/${last.requestId}`, { token: tokenFor(last.userId) });
    expect([status.body.status, status.body.position]).toEqual(["ISSUED", undefined]);
  });

  it("shows a pending request's place to its owner through either instance", async () => {
    const couponId = await createCoupon(apis[0]!.url, { name: "e2e queue position, paused", stock: 5 });
    // Nothing is decided while the issuers are stopped: the request stays in line.
    await Promise.all(issuers.map((issuer) => issuer.stop()));
    const asked = await call<Accepted>(`${apis[0]!.url}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor("queue-watcher") });
    expect([asked.status, asked.body.position, asked.body.ahead]).toEqual([202, 1, 0]);
    const seen = await call<Accepted>(`${apis[1]!.url}/issue-requests/${asked.body.requestId}`, { token: tokenFor("queue-watcher") });
    expect(seen.body).toMatchObject({ status: "PENDING", position: 1, ahead: 0 });
    issuers = await startIssuers(1);
    await expectExact(prisma, redis, couponId, [{ userId: "queue-watcher", status: 202, requestId: asked.body.requestId! }]);
  });
});
