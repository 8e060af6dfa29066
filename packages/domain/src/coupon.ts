import type { RejectionReason } from "./decision.ts";

export interface Coupon {
  id: string;
  name: string;
  stock: number;
  issuedCount: number;
  startsAt: Date | null;
  endsAt: Date | null;
}

export type WindowState = "OPEN" | "NOT_STARTED" | "ENDED";

/** The window is [startsAt, endsAt): a request accepted exactly at endsAt is too late. */
export function windowStateAt(coupon: Pick<Coupon, "startsAt" | "endsAt">, at: Date): WindowState {
  if (coupon.startsAt && at < coupon.startsAt) return "NOT_STARTED";
  if (coupon.endsAt && at >= coupon.endsAt) return "ENDED";
  return "OPEN";
}

export function windowRejection(state: WindowState): RejectionReason | undefined {
  if (state === "NOT_STARTED") return "COUPON_NOT_STARTED";
  if (state === "ENDED") return "COUPON_ENDED";
  return undefined;
}

export function remainingStock(coupon: Pick<Coupon, "stock" | "issuedCount">): number {
  return Math.max(0, coupon.stock - coupon.issuedCount);
}
