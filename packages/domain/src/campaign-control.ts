import { type Coupon, isPaused } from "./coupon.ts";
import { DomainError } from "./errors.ts";

/** What an admin can do to a running campaign. */
export type CampaignAction = "pause" | "resume" | "close";

/** The one change to the stored campaign that an action makes, or null when it changes nothing. */
export type CampaignChange = { kind: "open-pause"; at: Date } | { kind: "close-pause"; at: Date } | { kind: "end"; at: Date } | null;

/**
 * Pause opens a pause at `at` (none if one is open); resume closes the open one; close ends the window at `at` (nothing
 * if it has ended). Requests are judged by the time the API accepted them, so what was accepted before a pause or a
 * close is still decided normally. A campaign that has not started cannot be closed: its window is changed instead.
 */
export function campaignChange(coupon: Pick<Coupon, "startsAt" | "endsAt" | "pauses">, action: CampaignAction, at: Date): CampaignChange {
  if (action === "pause") return isPaused(coupon) ? null : { kind: "open-pause", at };
  if (action === "resume") return isPaused(coupon) ? { kind: "close-pause", at } : null;
  if (coupon.endsAt && coupon.endsAt <= at) return null;
  if (coupon.startsAt && coupon.startsAt >= at) {
    throw new DomainError("COUPON_NOT_STARTED", "A campaign that has not started cannot be closed; change its window instead");
  }
  return { kind: "end", at };
}
