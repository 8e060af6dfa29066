import { randomBytes } from "node:crypto";
import { type PrismaClient, toPublishedLottery, WITH_DRAW_RECORD } from "@dibs/db";
import { type Coupon, DomainError, drawFromSecret, lotteryEndRefusal, seedHash } from "@dibs/domain";
import type { LotteryView } from "../ports.ts";
import type { LotterySecretSeal } from "./lottery-secret-seal.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** A fresh lottery's secret, sealed for the database; only its hash is published. */
export function newLotterySecret(couponId: string, seal: LotterySecretSeal | null): { sealedSecret: string; seedHash: string } {
  const secret = randomBytes(32).toString("hex");
  return { sealedSecret: sealWith(seal).seal(couponId, secret), seedHash: seedHash(secret) };
}

export async function lotteryView(tx: Tx | PrismaClient, couponId: string): Promise<LotteryView | null> {
  const coupon = await tx.coupon.findUnique({ where: { id: couponId }, include: WITH_DRAW_RECORD });
  const published = coupon?.mode === "LOTTERY" ? toPublishedLottery(coupon) : null;
  if (!coupon || !published) return null;
  const entrants = await tx.lotteryEntry.findMany({ where: { couponId }, select: { userId: true } });
  const winners = await tx.couponIssue.findMany({ where: { couponId }, select: { userId: true }, orderBy: { id: "asc" } });
  return {
    couponId,
    seedHash: published.seedHash,
    secret: published.draw?.secret ?? null,
    entrantsHash: published.draw?.entrantsHash ?? null,
    seed: published.draw?.seed ?? null,
    drawnAt: coupon.drawnAt,
    stock: coupon.stock,
    entrants: entrants.map((e) => e.userId).sort(),
    winners: winners.map((w) => w.userId),
  };
}

/**
 * Opens the secret, derives the seed from it and the entrants, decides every entry at once, and reveals the secret
 * with the entrants' hash and the seed. The coupon row is locked by the caller.
 */
export async function drawLottery(tx: Tx, coupon: Coupon, at: Date, seal: LotterySecretSeal | null): Promise<void> {
  if (coupon.drawnAt) return;
  const notEnded = lotteryEndRefusal(coupon, at);
  if (notEnded) throw notEnded;
  const secret = await revealSecret(tx, coupon.id, seal);
  const entries = await tx.lotteryEntry.findMany({ where: { couponId: coupon.id } });
  const draw = drawFromSecret(
    secret,
    entries.map((e) => e.userId),
    coupon.stock,
  );
  const winners = new Set(draw.winners);
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
    data: draw.winners.map((userId) => ({ couponId: coupon.id, userId, seq: 1, requestId: byUser.get(userId)!.requestId })),
  });
  await tx.coupon.update({ where: { id: coupon.id }, data: { issuedCount: draw.winners.length, drawnAt: at } });
  await tx.lotterySecret.update({
    where: { couponId: coupon.id },
    data: { secret, entrantsHash: draw.entrantsHash, drawSeed: draw.seed, entrantCount: entries.length, revealedAt: at },
  });
}

/** The sealed secret opened (or a clear one, kept from before secrets were sealed), checked against the published hash. */
export async function revealSecret(tx: Tx, couponId: string, seal: LotterySecretSeal | null): Promise<string> {
  const kept = await tx.lotterySecret.findUniqueOrThrow({ where: { couponId }, include: { coupon: { select: { seedHash: true } } } });
  const secret = kept.sealedSecret ? sealWith(seal).open(couponId, kept.sealedSecret) : kept.secret;
  if (!secret || seedHash(secret) !== kept.coupon.seedHash) {
    throw new Error(`The secret of lottery ${couponId} does not match the seedHash it published: no draw is made`);
  }
  return secret;
}

function sealWith(seal: LotterySecretSeal | null): LotterySecretSeal {
  if (seal) return seal;
  throw new DomainError(
    "LOTTERY_KEY_UNAVAILABLE",
    "This API has no LOTTERY_SECRET_KEY to seal or open lottery secrets: set it (32 bytes as 64 hex characters) to create or draw a lottery",
  );
}
