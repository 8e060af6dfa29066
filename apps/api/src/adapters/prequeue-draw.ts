import type { PrismaClient } from "@dibs/db";
import { type Coupon, drawPrequeue } from "@dibs/domain";
import type { PrequeueView } from "../ports.ts";
import { revealSecret } from "./lottery-draw.ts";
import type { LotterySecretSeal } from "./lottery-secret-seal.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export async function prequeueView(tx: Tx | PrismaClient, couponId: string): Promise<PrequeueView | null> {
  const coupon = await tx.coupon.findUnique({ where: { id: couponId }, include: { secret: true } });
  if (!coupon?.prequeueSeconds || !coupon.startsAt || !coupon.seedHash) return null;
  const drawn = coupon.prequeueDrawnAt !== null;
  const entrants = drawn ? await tx.lotteryEntry.findMany({ where: { couponId }, select: { userId: true } }) : [];
  const order = drawn
    ? await tx.issueDecision.findMany({ where: { couponId, queuePosition: { not: null } }, select: { userId: true }, orderBy: { queuePosition: "asc" } })
    : [];
  return {
    couponId,
    seedHash: coupon.seedHash,
    opensAt: new Date(coupon.startsAt.getTime() - coupon.prequeueSeconds * 1_000),
    startsAt: coupon.startsAt,
    secret: drawn ? (coupon.secret?.secret ?? null) : null,
    entrantsHash: coupon.secret?.entrantsHash ?? null,
    seed: coupon.secret?.drawSeed ?? null,
    drawnAt: coupon.prequeueDrawnAt,
    entrants: entrants.map((e) => e.userId).sort(),
    order: order.map((o) => o.userId),
  };
}

/**
 * Opens the secret, draws the order of the pre-queue's entries, and decides each in that order against what is left
 * (requests after the start may have been issued meanwhile, within the stock the entrants did not hold). Advances the
 * coupon's gate generation: the issuers' gate state predates these decisions, so it is rebuilt from Postgres before
 * anything more is decided. The coupon row is locked by the caller.
 */
export async function drawPrequeueIn(tx: Tx, coupon: Coupon, at: Date, seal: LotterySecretSeal | null): Promise<void> {
  if (coupon.prequeueDrawnAt || coupon.prequeueSeconds === null) return;
  const secret = await revealSecret(tx, coupon.id, seal);
  const entries = await tx.lotteryEntry.findMany({ where: { couponId: coupon.id } });
  const held = await tx.couponIssue.groupBy({
    by: ["userId"],
    where: { couponId: coupon.id, userId: { in: entries.map((e) => e.userId) } },
    _count: { _all: true },
  });
  const draw = drawPrequeue(secret, entries, coupon, coupon.issuedCount, new Map(held.map((h) => [h.userId, h._count._all])));
  await tx.issueDecision.createMany({
    data: draw.decisions.map((d) => ({
      requestId: d.requestId,
      couponId: coupon.id,
      userId: d.userId,
      decision: d.decision,
      holding: d.holding,
      acceptedAt: d.acceptedAt,
      queuePosition: d.position,
    })),
    skipDuplicates: true,
  });
  await tx.couponIssue.createMany({
    data: draw.decisions
      .filter((d) => d.decision === "ISSUED")
      .map((d) => ({ couponId: coupon.id, userId: d.userId, seq: d.holding!, requestId: d.requestId })),
  });
  await tx.coupon.update({ where: { id: coupon.id }, data: { issuedCount: draw.issued, prequeueDrawnAt: at, gateEpoch: { increment: 1 } } });
  await tx.lotterySecret.update({
    where: { couponId: coupon.id },
    data: { secret, entrantsHash: draw.entrantsHash, drawSeed: draw.seed, entrantCount: entries.length, revealedAt: at },
  });
}
