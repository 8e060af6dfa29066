import { type PrismaClient, toCoupon, WITH_PAUSES } from "@dibs/db";
import type { Coupon, CouponView } from "@dibs/domain";
import { UnavailableError } from "@dibs/domain";
import { issuedAtGate } from "@dibs/gate";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CachedCatalog } from "../ports.ts";

export interface CatalogOptions {
  /** How stale the coupon's row may be. */
  couponTtlMs: number;
  /** How stale the gate's issued count may be; the issuer decides anyway, this only spares Kafka. */
  soldOutTtlMs: number;
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
  /** Set once `value` resolved, for the synchronous look of `cachedView`. */
  loaded?: { value: T };
}

/** Coupon data from Postgres and the gate's counters from Redis, each cached briefly, loaded once per expiry. */
export class CachedCouponCatalog implements CachedCatalog {
  private readonly coupons = new Map<string, Cached<Coupon | null>>();
  private readonly gateIssued = new Map<string, Cached<number | null>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly options: CatalogOptions,
    private readonly log: Logger,
  ) {}

  async find(couponId: string): Promise<CouponView | null> {
    const coupon = await this.cached(this.coupons, couponId, this.options.couponTtlMs, () => this.loadCoupon(couponId));
    if (!coupon) return null;
    const atGate = await this.cached(this.gateIssued, couponId, this.options.soldOutTtlMs, () => this.loadGateIssued(couponId));
    return this.view(coupon, atGate);
  }

  private view(coupon: Coupon, atGate: number | null): CouponView {
    return { ...coupon, soldOut: Math.max(atGate ?? 0, coupon.issuedCount) >= coupon.stock };
  }

  cachedView(couponId: string): CouponView | null | undefined {
    const now = Date.now();
    const coupon = this.coupons.get(couponId);
    if (!coupon?.loaded || coupon.expiresAt <= now) return undefined;
    if (!coupon.loaded.value) return null;
    const atGate = this.gateIssued.get(couponId);
    if (!atGate?.loaded || atGate.expiresAt <= now) return undefined;
    return this.view(coupon.loaded.value, atGate.loaded.value);
  }

  /** Drops what is cached of a coupon that an admin just changed. */
  forget(couponId: string): void {
    this.coupons.delete(couponId);
    this.gateIssued.delete(couponId);
  }

  private async loadCoupon(couponId: string): Promise<Coupon | null> {
    try {
      const row = await this.prisma.coupon.findUnique({ where: { id: couponId }, include: WITH_PAUSES });
      return row ? toCoupon(row) : null;
    } catch (error) {
      this.log.warn({ err: error }, "reading the coupon from Postgres failed");
      throw new UnavailableError("DEPENDENCY_UNAVAILABLE", "The coupon database is unavailable");
    }
  }

  /** Without Redis the count is unknown: the request goes on to Kafka and the issuer decides. */
  private async loadGateIssued(couponId: string): Promise<number | null> {
    try {
      return await issuedAtGate(this.redis, couponId);
    } catch {
      return null;
    }
  }

  private cached<T>(cache: Map<string, Cached<T>>, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    const entry: Cached<T> = { value, expiresAt: now + ttlMs };
    cache.set(key, entry);
    value.then(
      (loaded) => (entry.loaded = { value: loaded }),
      () => cache.delete(key),
    );
    if (cache.size > 10_000) cache.clear();
    return value;
  }
}
