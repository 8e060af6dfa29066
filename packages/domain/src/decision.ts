export const DECISIONS = ["ISSUED", "DUPLICATE", "SOLD_OUT", "REJECTED"] as const;
export type Decision = (typeof DECISIONS)[number];

export type RequestStatus = "PENDING" | Decision;

/**
 * UNPROCESSABLE: the request itself made deciding fail every time (a value Postgres refuses, a gate that disagrees
 * with Postgres even after a rebuild); it was set aside so that the requests around it could be decided, and its
 * message was dead-lettered with the error.
 */
export const REJECTION_REASONS = ["COUPON_NOT_STARTED", "COUPON_ENDED", "COUPON_PAUSED", "UNPROCESSABLE"] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface DecidedRequest {
  requestId: string;
  couponId: string;
  userId: string;
  acceptedAt: Date;
  decision: Decision;
  reason?: RejectionReason;
  /** How many of the coupon the user holds after the decision: the n of an ISSUED, the limit reached by a DUPLICATE. */
  holding?: number;
}

/** What the gate says of one request. */
export interface Verdict {
  decision: Decision;
  holding?: number;
}
