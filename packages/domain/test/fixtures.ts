export { aCoupon } from "../src/testing/a-coupon.ts";

import type { IssueRequest } from "../src/issue-request.ts";

let sequence = 0;

export function aRequest(couponId: string, userId: string, overrides: Partial<IssueRequest> = {}): IssueRequest {
  sequence += 1;
  return { requestId: `request-${sequence}`, couponId, userId, acceptedAt: new Date("2026-01-01T00:00:00Z"), ...overrides };
}
