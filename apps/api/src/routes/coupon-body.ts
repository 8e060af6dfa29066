import { type Coupon, isPaused, remainingStock, windowStateAt } from "@dibs/domain";

/** How an admin sees a coupon. */
export function toCouponBody(coupon: Coupon, now = new Date()) {
  const window = windowStateAt({ ...coupon, pauses: [] }, now);
  const remaining = remainingStock(coupon);
  const status =
    window === "NOT_STARTED" ? "UPCOMING" : window === "ENDED" ? "ENDED" : isPaused(coupon) ? "PAUSED" : remaining === 0 ? "SOLD_OUT" : "OPEN";
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
