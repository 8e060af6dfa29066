import { createPrismaClient, type PrismaClient } from "@dibs/db";
import { gateKeys } from "@dibs/gate";
import type { Redis } from "ioredis";

/** What the load generator saw: every request it sent and how the API answered. */
export interface ObservedRequest {
  userId: string;
  status: number;
  requestId?: string;
}

export interface CheckReport {
  requests: number;
  accepted: number;
  issued: number;
  stock: number;
  violations: string[];
}

/**
 * The exactness checker: after traffic drains, Postgres, Redis and the load generator's record must agree.
 * I1 no over-issue, I2 no duplicate, I3 no lost request, I4 exact fill, I5 Redis converged with Postgres.
 */
export async function checkCoupon(prisma: PrismaClient, redis: Redis, couponId: string, observed: ObservedRequest[]): Promise<CheckReport> {
  const violations: string[] = [];
  const coupon = await prisma.coupon.findUniqueOrThrow({ where: { id: couponId } });
  const holders = (await prisma.couponIssue.findMany({ where: { couponId }, select: { userId: true } })).map((h) => h.userId);

  if (coupon.issuedCount > coupon.stock) violations.push(`I1 over-issue: issued ${coupon.issuedCount} > stock ${coupon.stock}`);
  if (coupon.issuedCount !== holders.length) violations.push(`I1 count ${coupon.issuedCount} != ${holders.length} rows`);
  if (new Set(holders).size !== holders.length) violations.push(`I2 ${holders.length - new Set(holders).size} duplicate holders`);

  const accepted = observed.filter((o) => o.status === 202);
  const acceptedIds = accepted.map((o) => o.requestId!);
  const decisions = await prisma.issueDecision.findMany({ where: { requestId: { in: acceptedIds } }, select: { requestId: true, userId: true } });
  const decided = new Map(decisions.map((d) => [d.requestId, d.userId]));
  const lost = accepted.filter((o) => !decided.has(o.requestId!));
  if (lost.length > 0) violations.push(`I3 ${lost.length} accepted requests have no final status, e.g. ${lost[0]!.requestId}`);
  const misattributed = accepted.filter((o) => decided.has(o.requestId!) && decided.get(o.requestId!) !== o.userId);
  if (misattributed.length > 0) violations.push(`I3 ${misattributed.length} decisions recorded for the wrong user`);

  const distinctAccepted = new Set(accepted.map((o) => o.userId)).size;
  if (distinctAccepted >= coupon.stock && holders.length !== coupon.stock) {
    violations.push(`I4 ${distinctAccepted} distinct users accepted but only ${holders.length} of ${coupon.stock} issued`);
  }

  const keys = gateKeys(couponId);
  const [gateIssued, gateHolders] = await Promise.all([redis.hget(keys.meta, "issued"), redis.smembers(keys.holders)]);
  if (Number(gateIssued) !== holders.length) violations.push(`I5 Redis issued ${gateIssued} != Postgres ${holders.length}`);
  const pgHolders = new Set(holders);
  if (gateHolders.length !== pgHolders.size || gateHolders.some((u) => !pgHolders.has(u))) {
    violations.push(`I5 Redis holders (${gateHolders.length}) differ from Postgres holders (${pgHolders.size})`);
  }
  return { requests: observed.length, accepted: accepted.length, issued: holders.length, stock: coupon.stock, violations };
}

