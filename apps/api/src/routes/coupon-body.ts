import { type Coupon, type CouponStatus, couponStatusAt, remainingStock } from "@dibs/domain";
import type { CatalogCoupon } from "../ports.ts";

/** The admin routes' words for a status, older than the users' view. */
const ADMIN_STATUS = {
  NOT_STARTED: "UPCOMING",
  OPEN: "OPEN",
  PAUSED: "PAUSED",
  ENDED: "ENDED",
  SOLD_OUT: "SOLD_OUT",
  DRAWN: "ENDED",
} as const satisfies Record<CouponStatus, string>;

/** How an admin sees a coupon. */
export function toCouponBody(coupon: Coupon, now = new Date()) {
  const remaining = remainingStock(coupon);
  const status = ADMIN_STATUS[couponStatusAt(coupon, remaining === 0, now)];
  return {
    id: coupon.id,
    name: coupon.name,
    mode: coupon.mode,
    stock: coupon.stock,
    issued: coupon.issuedCount,
    remaining,
    perUserLimit: coupon.perUserLimit,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    status,
    drawnAt: coupon.drawnAt?.toISOString() ?? null,
    pauses: coupon.pauses.map((p) => ({ pausedAt: p.pausedAt.toISOString(), resumedAt: p.resumedAt?.toISOString() ?? null })),
  } as const;
}

/** How its users see a coupon, from the API's cached catalog; `issued` as the gate counted it. */
export function toPublicCouponBody(coupon: CatalogCoupon, issued: number, now = new Date()) {
  const draw = coupon.lottery?.draw;
  return {
    id: coupon.id,
    name: coupon.name,
    mode: coupon.mode,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    status: couponStatusAt(coupon, coupon.soldOut, now),
    stock: coupon.stock,
    remaining: remainingStock({ stock: coupon.stock, issuedCount: issued }),
    lottery: coupon.lottery && { seedHash: coupon.lottery.seedHash, draw: draw ? { ...draw, drawnAt: draw.drawnAt.toISOString() } : null },
  };
}
