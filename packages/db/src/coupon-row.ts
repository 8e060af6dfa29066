import type { Coupon } from "@dibs/domain";
import type { Coupon as CouponRow, CouponPause as PauseRow } from "./generated/prisma/client.ts";

/** Read a coupon with `include: { pauses: true }`: the pauses decide which requests count. */
export const WITH_PAUSES = { pauses: { orderBy: { pausedAt: "asc" } } } as const;

export function toCoupon(row: CouponRow & { pauses: PauseRow[] }): Coupon {
  return {
    id: row.id,
    mode: row.mode,
    name: row.name,
    stock: row.stock,
    issuedCount: row.issuedCount,
    perUserLimit: row.perUserLimit,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    pauses: row.pauses.map((p) => ({ pausedAt: p.pausedAt, resumedAt: p.resumedAt })),
    drawnAt: row.drawnAt,
    prequeueSeconds: row.prequeueSeconds,
    prequeueDrawnAt: row.prequeueDrawnAt,
  };
}
