import type { Coupon as CouponRow } from "@dibs/db";
import type { Coupon } from "@dibs/domain";

export function toCoupon(row: CouponRow): Coupon {
  return { id: row.id, name: row.name, stock: row.stock, issuedCount: row.issuedCount, startsAt: row.startsAt, endsAt: row.endsAt };
}
