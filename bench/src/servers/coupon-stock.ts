import type { PrismaClient } from "@dibs/db";

/** The coupon's stock, read from Postgres once a second at most: what the seed designs compare against. */
export function cachedStock(prisma: PrismaClient): (couponId: string) => Promise<number | null> {
  const cache = new Map<string, { stock: Promise<number | null>; until: number }>();
  return (couponId) => {
    const hit = cache.get(couponId);
    if (hit && hit.until > Date.now()) return hit.stock;
    const stock = prisma.coupon.findUnique({ where: { id: couponId }, select: { stock: true } }).then((c) => c?.stock ?? null);
    cache.set(couponId, { stock, until: Date.now() + 1_000 });
    return stock;
  };
}
