import type { PrismaClient } from "@dibs/db";
import type { IssueAnswer, IssueAsk } from "./baseline-app.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * One request decided in one transaction, the way the seed's first two designs do it: read the coupon
 * (`FOR UPDATE` when the row lock is what serializes requests), count the user's issues, insert, count up.
 */
export async function issueOne(prisma: PrismaClient, ask: IssueAsk, lockRow: boolean): Promise<IssueAnswer> {
  return prisma.$transaction((tx) => issueIn(tx, ask, lockRow), { maxWait: 10_000, timeout: 10_000 });
}

async function issueIn(tx: Tx, ask: IssueAsk, lockRow: boolean): Promise<IssueAnswer> {
  const coupons = lockRow
    ? await tx.$queryRaw<CouponRow[]>`SELECT stock, issued_count, per_user_limit FROM coupon WHERE id = ${ask.couponId}::uuid FOR UPDATE`
    : await tx.$queryRaw<CouponRow[]>`SELECT stock, issued_count, per_user_limit FROM coupon WHERE id = ${ask.couponId}::uuid`;
  const coupon = coupons[0];
  if (!coupon) return { status: 404, code: "COUPON_NOT_FOUND" };
  const [{ held }] = (await tx.$queryRaw<Array<{ held: number }>>`
    SELECT count(*)::int AS held FROM coupon_issue WHERE coupon_id = ${ask.couponId}::uuid AND user_id = ${ask.userId}`) as [{ held: number }];
  let decision: string;
  let holding: number | null = null;
  if (held >= coupon.per_user_limit) {
    decision = "DUPLICATE";
    holding = held;
  } else if (coupon.issued_count >= coupon.stock) {
    decision = "SOLD_OUT";
  } else {
    decision = "ISSUED";
    holding = held + 1;
    await tx.$executeRaw`INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id)
      VALUES (${ask.couponId}::uuid, ${ask.userId}, ${holding}, ${ask.requestId}::uuid)`;
    await tx.$executeRaw`UPDATE coupon SET issued_count = issued_count + 1 WHERE id = ${ask.couponId}::uuid`;
  }
  await recordDecision(tx, ask, decision, holding);
  return { status: 202, decision };
}

export async function recordDecision(tx: Tx | PrismaClient, ask: IssueAsk, decision: string, holding: number | null): Promise<void> {
  await tx.$executeRaw`INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, holding, accepted_at)
    VALUES (${ask.requestId}::uuid, ${ask.couponId}::uuid, ${ask.userId}, ${decision}::"Decision", ${holding}, ${ask.acceptedAt})`;
}

interface CouponRow {
  stock: number;
  issued_count: number;
  per_user_limit: number;
}
