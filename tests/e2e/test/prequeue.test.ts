import { createPrismaClient } from "@dibs/db";
import { drawWinners, seedHash } from "@dibs/domain";
import type { Issuer } from "@dibs/issuer/wiring";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel, waitFor } from "../src/http.ts";
import { createCoupon, expectExact } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

const STOCK = 30;
const EARLY = 60;
const LATE = 20;

interface Answer {
  requestId?: string;
  status?: string;
  position?: number;
  code?: string;
}

describe("a sale with a pre-queue: early requests shuffled at the start and issued first", () => {
  let api: RunningApi;
  let issuers: Issuer[];
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);
  const admin = tokenFor("e2e-admin", { admin: true });

  beforeAll(async () => {
    [api, issuers] = await Promise.all([startApi(), startIssuers(1)]);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all((issuers ?? []).map((issuer) => issuer.stop()));
    await prisma.$disconnect();
    redis.disconnect();
  });

  it("answers PREQUEUED before the start, draws the order at the start from the committed secret, and issues in it", async () => {
    const startsAt = new Date(Date.now() + 4_000);
    const couponId = await createCoupon(api.url, { name: "e2e pre-queue", stock: STOCK, startsAt: startsAt.toISOString(), prequeueSeconds: 600 });
    const published = await call<{ prequeue: { seedHash: string; draw: unknown } }>(`${api.url}/coupons/${couponId}`, { token: tokenFor("anyone") });
    const committed = published.body.prequeue.seedHash;
    expect(published.body.prequeue.draw).toBeNull();

    const run = Date.now().toString(36);
    const ask = (userId: string) =>
      call<Answer>(`${api.url}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor(userId) }).then((r) => ({ ...r.body, userId, http: r.status }));
    const early = await inParallel(
      Array.from({ length: EARLY }, (_, i) => `early-${run}-${i}`),
      20,
      ask,
    );
    const again = await ask(`early-${run}-0`);
    expect([...early, again].map((a) => [a.http, a.status])).toEqual([...early, again].map(() => [202, "PREQUEUED"]));
    // Once the issuer has recorded the entry, its status says so too, until the draw.
    const first = early[0]!;
    await waitFor(
      "an entry's status to read PREQUEUED",
      async () =>
        (await call<Answer>(`${api.url}/issue-requests/${first.requestId}`, { token: tokenFor(first.userId) })).body.status === "PREQUEUED" ? true : undefined,
      10_000,
    );

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startsAt.getTime() - Date.now() + 100)));
    const late = await inParallel(
      Array.from({ length: LATE }, (_, i) => `late-${run}-${i}`),
      20,
      ask,
    );
    expect(late.map((a) => [a.http, a.status])).toEqual(late.map(() => [202, "PENDING"]));

    const observed = [...early, again, ...late].map((a) => ({ userId: a.userId, status: a.http, requestId: a.requestId! }));
    await expectExact(prisma, redis, couponId, observed);

    const view = await waitFor(
      "the pre-queue's draw",
      async () => {
        const r = await call<{ drawnAt: string | null; secret: string; seed: string; entrants: string[]; order: string[] }>(
          `${api.url}/admin/coupons/${couponId}/prequeue`,
          { token: admin },
        );
        return r.body.drawnAt ? r.body : undefined;
      },
      30_000,
    );
    // Anyone can check it: the secret is the one committed to before the sale, and the order follows from the seed.
    expect(seedHash(view.secret)).toBe(committed);
    expect(view.entrants).toHaveLength(EARLY);
    expect(view.order).toEqual(drawWinners(view.entrants, view.seed, view.entrants.length));

    const statusOf = async (a: { userId: string; requestId?: string }) =>
      (await call<Answer>(`${api.url}/issue-requests/${a.requestId}`, { token: tokenFor(a.userId) })).body;
    const issuedTo = new Set(view.order.slice(0, STOCK));
    for (const a of early) {
      const status = await statusOf(a);
      expect([a.userId, status.status, status.position]).toEqual([a.userId, issuedTo.has(a.userId) ? "ISSUED" : "SOLD_OUT", view.order.indexOf(a.userId) + 1]);
    }
    // The crowd after the start queues behind the pre-queue, which took the whole stock.
    for (const a of late) expect((await statusOf(a)).status).toBe("SOLD_OUT");
  });
});
