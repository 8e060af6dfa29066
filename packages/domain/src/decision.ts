export const DECISIONS = ["ISSUED", "DUPLICATE", "SOLD_OUT", "REJECTED"] as const;
export type Decision = (typeof DECISIONS)[number];

export type RequestStatus = "PENDING" | Decision;

export const REJECTION_REASONS = ["COUPON_NOT_FOUND", "COUPON_NOT_STARTED", "COUPON_ENDED"] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface DecidedRequest {
  requestId: string;
  couponId: string;
  userId: string;
  acceptedAt: Date;
  decision: Decision;
  reason?: RejectionReason;
}
