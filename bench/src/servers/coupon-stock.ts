import type pg from "pg";

/** The coupon's stock, read from Postgres once a second at most: what the seed designs compare against. */
export function cachedStock(pool: pg.Pool): (couponId: string) => Promise<number | null> {
  const cache = new Map<string, { stock: Promise<number | null>; until: number }>();
  return (couponId) => {
    const hit = cache.get(couponId);
    if (hit && hit.until > Date.now()) return hit.stock;
    const stock = readStock(pool, couponId);
    cache.set(couponId, { stock, until: Date.now() + 1_000 });
    return stock;
  };
}

export async function readStock(pool: pg.Pool, couponId: string): Promise<number | null> {
  const { rows } = await pool.query<{ stock: number }>("SELECT stock FROM coupon WHERE id = $1", [couponId]);
  return rows[0]?.stock ?? null;
}
