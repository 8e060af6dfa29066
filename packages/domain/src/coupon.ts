import type { RejectionReason } from "./decision.ts";

/** Requests the API accepted within [pausedAt, resumedAt) are refused; an open pause has no resumedAt. */
export interface CouponPause {
  pausedAt: Date;
  resumedAt: Date | null;
}

/** FIRST_COME issues in the order requests arrive; LOTTERY takes entries and draws the winners at the end. */
export type CouponMode = "FIRST_COME" | "LOTTERY";

export interface Coupon {
  id: string;
  mode: CouponMode;
  name: string;
  stock: number;
  issuedCount: number;
  /** How many of this coupon one user may hold. */
  perUserLimit: number;
  startsAt: Date | null;
  endsAt: Date | null;
  pauses: CouponPause[];
  /** When a lottery's winners were drawn; entries after that are refused. */
  drawnAt: Date | null;
  /** A first-come campaign's pre-queue: this many seconds before startsAt (see prequeue.ts); null for none. */
  prequeueSeconds: number | null;
  /** When the pre-queue's order was drawn and its entries decided. */
  prequeueDrawnAt: Date | null;
}

export type WindowState = "OPEN" | "PREQUEUE" | "NOT_STARTED" | "ENDED" | "PAUSED";

type WindowOf = Pick<Coupon, "startsAt" | "endsAt" | "pauses"> & Partial<Pick<Coupon, "prequeueSeconds">>;

/**
 * The window is [startsAt, endsAt) less its pauses: a request accepted exactly at endsAt is too late. A pre-queue
 * takes requests in [startsAt - prequeueSeconds, startsAt).
 */
export function windowStateAt(coupon: WindowOf, at: Date): WindowState {
  if (coupon.startsAt && at < coupon.startsAt) {
    const opensAt = coupon.startsAt.getTime() - (coupon.prequeueSeconds ?? 0) * 1_000;
    return coupon.prequeueSeconds && at.getTime() >= opensAt ? "PREQUEUE" : "NOT_STARTED";
  }
  if (coupon.endsAt && at >= coupon.endsAt) return "ENDED";
  if (coupon.pauses.some((p) => at >= p.pausedAt && (!p.resumedAt || at < p.resumedAt))) return "PAUSED";
  return "OPEN";
}

export function windowRejection(state: WindowState): RejectionReason | undefined {
  if (state === "NOT_STARTED") return "COUPON_NOT_STARTED";
  if (state === "ENDED") return "COUPON_ENDED";
  if (state === "PAUSED") return "COUPON_PAUSED";
  return undefined;
}

/** A campaign's state as its users see it. */
export const COUPON_STATUSES = ["NOT_STARTED", "PREQUEUE", "OPEN", "PAUSED", "ENDED", "SOLD_OUT", "DRAWN"] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

/** The campaign's state at `at`: a drawn lottery is DRAWN; otherwise the window decides, then whether stock is left. */
export function couponStatusAt(coupon: WindowOf & Pick<Coupon, "drawnAt">, soldOut: boolean, at: Date): CouponStatus {
  if (coupon.drawnAt) return "DRAWN";
  const window = windowStateAt(coupon, at);
  if (window !== "OPEN") return window;
  return soldOut ? "SOLD_OUT" : "OPEN";
}

export function isPaused(coupon: Pick<Coupon, "pauses">): boolean {
  return coupon.pauses.some((p) => !p.resumedAt);
}

export function remainingStock(coupon: Pick<Coupon, "stock" | "issuedCount">): number {
  return Math.max(0, coupon.stock - coupon.issuedCount);
}
