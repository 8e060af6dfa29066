import { randomBytes } from "node:crypto";
import { drawFromSecret, lotteryEndRefusal, type PublishedLottery, seedHash } from "@dibs/domain";
import type { CatalogCoupon, CouponAdmin, LotteryView } from "../../src/ports.ts";

/** Lotteries in memory: a secret each, the entrants a test enters, and the draw made as the real one makes it. */
export function inMemoryLotteries(coupons: Map<string, CatalogCoupon>) {
  const secrets = new Map<string, string>();
  const entrants = new Map<string, string[]>();
  /** The coupons drawn, in order: a draw that was refused is not here. */
  const drawn: string[] = [];

  const secretOf = (couponId: string) => secrets.get(couponId) ?? secrets.set(couponId, randomBytes(32).toString("hex")).get(couponId)!;

  /** What a lottery publishes before its draw. */
  const published = (couponId: string): PublishedLottery => ({ seedHash: seedHash(secretOf(couponId)), draw: null });

  function view(couponId: string): LotteryView | null {
    const coupon = coupons.get(couponId);
    if (coupon?.mode !== "LOTTERY") return null;
    const secret = secretOf(couponId);
    const entered = entrants.get(couponId) ?? [];
    const draw = coupon.drawnAt ? drawFromSecret(secret, entered, coupon.stock) : null;
    return {
      couponId,
      seedHash: seedHash(secret),
      secret: draw ? secret : null,
      entrantsHash: draw?.entrantsHash ?? null,
      seed: draw?.seed ?? null,
      drawnAt: coupon.drawnAt,
      stock: coupon.stock,
      entrants: [...entered].sort(),
      winners: draw?.winners ?? [],
    };
  }

  function drawNow(coupon: CatalogCoupon, at: Date): void {
    const secret = secretOf(coupon.id);
    const entered = entrants.get(coupon.id) ?? [];
    const { entrantsHash, seed, winners } = drawFromSecret(secret, entered, coupon.stock);
    const draw = { drawnAt: at, secret, entrantsHash, seed, entrants: new Set(entered).size, winners: winners.length };
    coupons.set(coupon.id, { ...coupon, drawnAt: at, issuedCount: winners.length, lottery: { seedHash: seedHash(secret), draw } });
    drawn.push(coupon.id);
  }

  const ports: Pick<CouponAdmin, "lottery" | "draw"> = {
    lottery: async (couponId) => view(couponId),
    draw: async (couponId, _actor, at) => {
      const coupon = coupons.get(couponId);
      if (!coupon) return null;
      const refusal = lotteryEndRefusal(coupon, at);
      if (refusal) throw refusal;
      if (!coupon.drawnAt) drawNow(coupon, at);
      return view(couponId);
    },
  };

  return {
    ports,
    drawn,
    published,
    enter: (couponId: string, userIds: string[]) => void entrants.set(couponId, [...(entrants.get(couponId) ?? []), ...userIds]),
  };
}
