import { gateKeys } from "@dibs/contracts";
import type { PrismaClient } from "@dibs/db";
import type { RedisClient } from "@dibs/gate";

/** What the load generator saw: every request it sent and how the API answered. */
export interface ObservedRequest {
  userId: string;
  /** The HTTP status, or 0 when no answer came (timed out, connection lost). */
  status: number;
  requestId?: string;
}

export interface CheckReport {
  requests: number;
  accepted: number;
  /** Answered 503: the request may still have been decided, at most once. */
  unavailable: number;
  issued: number;
  stock: number;
  /** Issues beyond one per (coupon, user, seq), or beyond the per-user limit. */
  duplicates: number;
  /** Requests answered 202 without a final status. */
  lost: number;
  overIssue: number;
  violations: string[];
}

/**
 * The exactness checker: after traffic drains, Postgres, Redis and the load generator's record must agree.
 * I1 no over-issue, I2 no duplicate, I3 no lost request, I4 exact fill, I5 Redis converged with Postgres.
 */
export async function checkCoupon(prisma: PrismaClient, redis: RedisClient, couponId: string, observed: ObservedRequest[]): Promise<CheckReport> {
  const violations: string[] = [];
  const coupon = await prisma.coupon.findUniqueOrThrow({ where: { id: couponId } });
  const issues = await prisma.couponIssue.findMany({ where: { couponId }, select: { userId: true, seq: true } });
  const issuedTo = issues.map((i) => `${i.userId}#${i.seq}`);

  if (coupon.issuedCount > coupon.stock) violations.push(`I1 over-issue: issued ${coupon.issuedCount} > stock ${coupon.stock}`);
  if (coupon.issuedCount !== issues.length) violations.push(`I1 count ${coupon.issuedCount} != ${issues.length} rows`);
  if (new Set(issuedTo).size !== issues.length) violations.push(`I2 ${issues.length - new Set(issuedTo).size} duplicate issues`);
  const overLimit = issues.filter((i) => i.seq > coupon.perUserLimit);
  if (overLimit.length > 0) violations.push(`I2 ${overLimit.length} issues beyond the per-user limit ${coupon.perUserLimit}`);

  const accepted = observed.filter((o) => o.status === 202);
  const acceptedIds = accepted.map((o) => o.requestId!);
  const decisions = await prisma.issueDecision.findMany({ where: { requestId: { in: acceptedIds } }, select: { requestId: true, userId: true } });
  const decided = new Map(decisions.map((d) => [d.requestId, d.userId]));
  const lost = accepted.filter((o) => !decided.has(o.requestId!));
  if (lost.length > 0) violations.push(`I3 ${lost.length} accepted requests have no final status, e.g. ${lost[0]!.requestId}`);
  const misattributed = accepted.filter((o) => decided.has(o.requestId!) && decided.get(o.requestId!) !== o.userId);
  if (misattributed.length > 0) violations.push(`I3 ${misattributed.length} decisions recorded for the wrong user`);
  // Not accepted, yet perhaps decided (a 503 whose send went through after all): at most once, and for its owner.
  const unanswered = observed.filter((o) => o.status !== 202 && o.requestId);
  const late = await prisma.issueDecision.findMany({
    where: { requestId: { in: unanswered.map((o) => o.requestId!) } },
    select: { requestId: true, userId: true },
  });
  const owners = new Map(unanswered.map((o) => [o.requestId!, o.userId]));
  const strays = late.filter((d) => owners.get(d.requestId) !== d.userId);
  if (strays.length > 0) violations.push(`I3 ${strays.length} unaccepted requests decided for the wrong user`);

  const distinctAccepted = new Set(accepted.map((o) => o.userId)).size;
  if (distinctAccepted >= coupon.stock && issues.length !== coupon.stock) {
    violations.push(`I4 ${distinctAccepted} distinct users accepted, yet ${issues.length} issued for a stock of ${coupon.stock}`);
  }

  const keys = gateKeys(couponId);
  const [gateIssued, gateHoldings] = await Promise.all([redis.hget(keys.meta, "issued"), redis.hgetall(keys.holdings)]);
  if (Number(gateIssued) !== issues.length) violations.push(`I5 Redis issued ${gateIssued} != Postgres ${issues.length}`);
  const pgHoldings = new Map<string, number>();
  for (const i of issues) pgHoldings.set(i.userId, (pgHoldings.get(i.userId) ?? 0) + 1);
  const gateUsers = Object.entries(gateHoldings);
  if (gateUsers.length !== pgHoldings.size || gateUsers.some(([u, n]) => pgHoldings.get(u) !== Number(n))) {
    violations.push(`I5 Redis holdings (${gateUsers.length} users) differ from Postgres holdings (${pgHoldings.size} users)`);
  }
  return {
    requests: observed.length,
    accepted: accepted.length,
    unavailable: observed.filter((o) => o.status === 503).length,
    issued: issues.length,
    stock: coupon.stock,
    duplicates: issues.length - new Set(issuedTo).size + overLimit.length,
    lost: lost.length,
    overIssue: Math.max(0, coupon.issuedCount - coupon.stock, issues.length - coupon.stock),
    violations,
  };
}
