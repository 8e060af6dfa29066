import type { Coupon } from "../coupon.ts";

let sequence = 0;

/** A first-come coupon open for good (no window, no pause), for tests: each call a new id unless `overrides` gives one. */
export function aCoupon(overrides: Partial<Coupon> = {}): Coupon {
  sequence += 1;
  return {
    id: `coupon-${sequence}`,
    name: "Flash sale",
    stock: 3,
    issuedCount: 0,
    perUserLimit: 1,
    startsAt: null,
    endsAt: null,
    pauses: [],
    mode: "FIRST_COME",
    drawnAt: null,
    prequeueSeconds: null,
    prequeueDrawnAt: null,
    ...overrides,
  };
}
