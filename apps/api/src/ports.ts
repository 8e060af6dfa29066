import type { Coupon, CouponCatalog, Decision, IssueRequestPublisher } from "@dibs/domain";

/** What Postgres says about one decided request. */
export interface DecisionView {
  requestId: string;
  couponId: string;
  userId: string;
  decision: Decision;
  reason: string | null;
  acceptedAt: Date;
  decidedAt: Date;
}

export interface HeldCoupon {
  couponId: string;
  name: string;
  requestId: string;
  issuedAt: Date;
}

export interface IssueQueries {
  findDecision(requestId: string): Promise<DecisionView | null>;
  couponsHeldBy(userId: string): Promise<HeldCoupon[]>;
}

export interface NewCoupon {
  name: string;
  stock: number;
  startsAt: Date | null;
  endsAt: Date | null;
}

export interface CouponSummary extends Coupon {
  decisions: Record<Decision, number>;
}

export interface CouponAdmin {
  create(coupon: NewCoupon): Promise<Coupon>;
  summary(couponId: string): Promise<CouponSummary | null>;
}

/** Maps a client's Idempotency-Key to the request id it first got. */
export interface IdempotencyKeys {
  claim(scope: string, candidateRequestId: string): Promise<string>;
}

export interface ApiDeps {
  catalog: CouponCatalog;
  publisher: IssueRequestPublisher;
  queries: IssueQueries;
  admin: CouponAdmin;
  idempotency: IdempotencyKeys;
  readiness: Record<string, () => Promise<void>>;
}
