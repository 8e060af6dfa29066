import { type PrismaClient, toCoupon } from "@dibs/db";
import type { Coupon, CouponCatalog, CouponView } from "@dibs/domain";
import { UnavailableError } from "@dibs/domain";
import { isSoldOutAtGate } from "@dibs/gate";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface CatalogOptions {
  /** How stale the coupon's row may be. */
  couponTtlMs: number;
  /** How stale the sold-out flag may be; the issuer decides anyway, this only spares Kafka. */
  soldOutTtlMs: number;
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
}

/** Coupon data from Postgres and the gate's counters from Redis, each cached briefly, loaded once per expiry. */
export class CachedCouponCatalog implements CouponCatalog {
  private readonly coupons = new Map<string, Cached<Coupon | null>>();
  private readonly soldOut = new Map<string, Cached<boolean>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly options: CatalogOptions,
    private readonly log: Logger,
  ) {}

  async find(couponId: string): Promise<CouponView | null> {
    const coupon = await this.cached(this.coupons, couponId, this.options.couponTtlMs, () => this.loadCoupon(couponId));
    if (!coupon) return null;
    const gateSoldOut = await this.cached(this.soldOut, couponId, this.options.soldOutTtlMs, () => this.loadSoldOut(couponId));
    return { ...coupon, soldOut: gateSoldOut || coupon.issuedCount >= coupon.stock };
  }

  private async loadCoupon(couponId: string): Promise<Coupon | null> {
    try {
      const row = await this.prisma.coupon.findUnique({ where: { id: couponId } });
      return row ? toCoupon(row) : null;
    } catch (error) {
      this.log.warn({ err: error }, "reading the coupon from Postgres failed");
      throw new UnavailableError("DEPENDENCY_UNAVAILABLE", "The coupon database is unavailable");
    }
  }

  /** Without Redis the flag is unknown: the request goes on to Kafka and the issuer decides. */
  private async loadSoldOut(couponId: string): Promise<boolean> {
    try {
      return await isSoldOutAtGate(this.redis, couponId);
    } catch {
      return false;
    }
  }

  private cached<T>(cache: Map<string, Cached<T>>, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    cache.set(key, { value, expiresAt: now + ttlMs });
    value.catch(() => cache.delete(key));
    if (cache.size > 10_000) cache.clear();
    return value;
  }
}
