import type { PrismaClient } from "@dibs/db";
import { type Coupon, DomainError, isPaused } from "@dibs/domain";
import type { CampaignAction } from "../ports.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * Pause opens a pause at `at`; resume closes it; close ends the window at `at`. Requests are judged by the time the
 * API accepted them, so what was accepted before a pause or close is still decided normally.
 */
export async function applyControl(tx: Tx, coupon: Coupon, action: CampaignAction, at: Date): Promise<void> {
  if (action === "pause") {
    if (!isPaused(coupon)) await tx.couponPause.create({ data: { couponId: coupon.id, pausedAt: at } });
    return;
  }
  if (action === "resume") {
    await tx.couponPause.updateMany({ where: { couponId: coupon.id, resumedAt: null }, data: { resumedAt: at } });
    return;
  }
  if (coupon.endsAt && coupon.endsAt <= at) return;
  if (coupon.startsAt && coupon.startsAt >= at) {
    throw new DomainError("COUPON_NOT_STARTED", "A campaign that has not started cannot be closed; change its window instead");
  }
  await tx.coupon.update({ where: { id: coupon.id }, data: { endsAt: at } });
}
