import type { PrismaClient } from "@dibs/db";
import type { Fairness } from "../ports.ts";

/** From the decisions alone: SOLD_OUT requests accepted before the last ISSUED one, and the largest gap. */
export async function fairnessOf(prisma: PrismaClient, couponId: string): Promise<Fairness> {
  const [row] = await prisma.$queryRaw<Array<{ sold_out: bigint; overtaken: bigint; largest_gap_ms: number | null }>>`
    WITH last_issued AS (
      SELECT max(accepted_at) AS at FROM issue_decision WHERE coupon_id = ${couponId}::uuid AND decision = 'ISSUED'
    )
    SELECT count(*) AS sold_out,
           count(*) FILTER (WHERE d.accepted_at < l.at) AS overtaken,
           (extract(epoch FROM max(l.at - d.accepted_at) FILTER (WHERE d.accepted_at < l.at)) * 1000)::float8 AS largest_gap_ms
    FROM issue_decision d CROSS JOIN last_issued l
    WHERE d.coupon_id = ${couponId}::uuid AND d.decision = 'SOLD_OUT'`;
  const soldOut = Number(row?.sold_out ?? 0);
  const overtaken = Number(row?.overtaken ?? 0);
  return { soldOut, overtaken, overtakenShare: soldOut === 0 ? 0 : overtaken / soldOut, largestGapMs: row?.largest_gap_ms ?? 0 };
}
