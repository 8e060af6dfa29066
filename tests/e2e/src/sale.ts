import { checkCoupon, type ObservedRequest } from "@dibs/checker";
import type { PrismaClient } from "@dibs/db";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { call, inParallel, waitFor } from "./http.ts";
import { tokenFor } from "./system.ts";

export interface Observed extends ObservedRequest {
  code?: string;
}

/** Every user in `askers` presses the button once, at most `concurrency` at a time. */
export async function flood(apiUrl: string, couponId: string, askers: readonly string[], concurrency = 100): Promise<Observed[]> {
  return inParallel(askers, concurrency, async (userId) => {
    const response = await call<{ requestId?: string; code?: string }>(`${apiUrl}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor(userId) });
    return { userId, status: response.status, requestId: response.body.requestId, code: response.body.code };
  });
}

export async function createCoupon(apiUrl: string, body: Record<string, unknown>): Promise<string> {
  const created = await call<{ id: string }>(`${apiUrl}/admin/coupons`, { method: "POST", token: tokenFor("e2e-admin", { admin: true }), body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

/** Waits until every accepted request has a decision in Postgres. */
export async function drained(prisma: PrismaClient, observed: readonly ObservedRequest[], timeoutMs = 60_000): Promise<void> {
  const accepted = observed.filter((o) => o.status === 202).map((o) => o.requestId!);
  await waitFor(
    `${accepted.length} accepted requests to be decided`,
    async () => ((await prisma.issueDecision.count({ where: { requestId: { in: accepted } } })) === accepted.length ? true : undefined),
    timeoutMs,
  );
}

export async function expectExact(prisma: PrismaClient, redis: Redis, couponId: string, observed: ObservedRequest[]): Promise<void> {
  await drained(prisma, observed);
  const report = await checkCoupon(prisma, redis, couponId, observed);
  expect(report.violations).toEqual([]);
}
