import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@dibs/db";
import { type Coupon, DomainError, drawWinners, seedHash } from "@dibs/domain";
import type { LotteryView } from "../ports.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** A fresh lottery's seed: kept secret until the draw, committed to by its hash from the start. */
export function newLotterySeed(): { seed: string; seedHash: string } {
  const seed = randomBytes(32).toString("hex");
  return { seed, seedHash: seedHash(seed) };
}

export async function lotteryView(tx: Tx | PrismaClient, couponId: string): Promise<LotteryView | null> {
  const coupon = await tx.coupon.findUnique({ where: { id: couponId }, include: { seed: true } });
  if (!coupon || coupon.mode !== "LOTTERY" || !coupon.seedHash) return null;
  const entrants = await tx.lotteryEntry.findMany({ where: { couponId }, select: { userId: true } });
  const winners = await tx.couponIssue.findMany({ where: { couponId }, select: { userId: true }, orderBy: { id: "asc" } });
  return {
    couponId,
    seedHash: coupon.seedHash,
    seed: coupon.seed?.revealedAt ? coupon.seed.seed : null,
    drawnAt: coupon.drawnAt,
    stock: coupon.stock,
    entrants: entrants.map((e) => e.userId).sort(),
    winners: winners.map((w) => w.userId),
  };
}

/** Decides every entry at once with the committed seed, and reveals the seed. The coupon row is locked by the caller. */
export async function drawLottery(tx: Tx, coupon: Coupon, at: Date): Promise<void> {
  if (coupon.mode !== "LOTTERY") throw new DomainError("INVALID_COUPON", "Only a lottery has a draw");
  if (coupon.drawnAt) return;
  if (!coupon.endsAt || coupon.endsAt > at) throw new DomainError("COUPON_NOT_ENDED", "Close the lottery (or wait for its end) before the draw");
  const seed = await tx.lotterySeed.findUniqueOrThrow({ where: { couponId: coupon.id } });
  const entries = await tx.lotteryEntry.findMany({ where: { couponId: coupon.id } });
  const ordered = drawWinners(entries.map((e) => e.userId), seed.seed, coupon.stock);
  const winners = new Set(ordered);
  const byUser = new Map(entries.map((e) => [e.userId, e]));

  await tx.issueDecision.createMany({
    data: entries.map((e) => ({
      requestId: e.requestId,
      couponId: coupon.id,
      userId: e.userId,
      decision: winners.has(e.userId) ? ("ISSUED" as const) : ("SOLD_OUT" as const),
      reason: winners.has(e.userId) ? null : "NOT_DRAWN",
      holding: winners.has(e.userId) ? 1 : null,
      acceptedAt: e.acceptedAt,
    })),
    skipDuplicates: true,
  });
  await tx.couponIssue.createMany({
    data: ordered.map((userId) => ({ couponId: coupon.id, userId, seq: 1, requestId: byUser.get(userId)!.requestId })),
  });
  await tx.coupon.update({ where: { id: coupon.id }, data: { issuedCount: ordered.length, drawnAt: at } });
  await tx.lotterySeed.update({ where: { couponId: coupon.id }, data: { revealedAt: at } });
}
