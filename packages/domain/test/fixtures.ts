import type { Coupon } from "../src/coupon.ts";
import type { IssueRequest } from "../src/issue-request.ts";

let sequence = 0;

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
    ...overrides,
  };
}

export function aRequest(couponId: string, userId: string, overrides: Partial<IssueRequest> = {}): IssueRequest {
  sequence += 1;
  return { requestId: `request-${sequence}`, couponId, userId, acceptedAt: new Date("2026-01-01T00:00:00Z"), ...overrides };
}
