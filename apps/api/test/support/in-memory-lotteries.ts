import { randomBytes } from "node:crypto";
import { type CouponView, drawFromSecret, lotteryEndRefusal, seedHash } from "@dibs/domain";
import type { CouponAdmin, LotteryView } from "../../src/ports.ts";

/** Lotteries in memory: a secret each, the entrants a test enters, and the draw made as the real one makes it. */
export function inMemoryLotteries(coupons: Map<string, CouponView>) {
  const secrets = new Map<string, string>();
  const entrants = new Map<string, string[]>();
  /** The coupons drawn, in order: a draw that was refused is not here. */
  const drawn: string[] = [];

  const secretOf = (couponId: string) => secrets.get(couponId) ?? secrets.set(couponId, randomBytes(32).toString("hex")).get(couponId)!;

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

  const ports: Pick<CouponAdmin, "lottery" | "draw"> = {
    lottery: async (couponId) => view(couponId),
    draw: async (couponId, _actor, at) => {
      const coupon = coupons.get(couponId);
      if (!coupon) return null;
      const refusal = lotteryEndRefusal(coupon, at);
      if (refusal) throw refusal;
      if (!coupon.drawnAt) {
        coupons.set(couponId, { ...coupon, drawnAt: at });
        drawn.push(couponId);
      }
      return view(couponId);
    },
  };

  return {
    ports,
    drawn,
    enter: (couponId: string, userIds: string[]) => void entrants.set(couponId, [...(entrants.get(couponId) ?? []), ...userIds]),
  };
}
