import { type PrismaClient, toCoupon, toPublishedLottery, WITH_DRAW_RECORD, WITH_PAUSES } from "@dibs/db";
import { type CouponView, UnavailableError } from "@dibs/domain";
import { issuedAtGate, type RedisClient } from "@dibs/gate";
import type { Logger } from "pino";
import type { CachedCatalog, CatalogCoupon } from "../ports.ts";

/** A coupon's row as the catalog keeps it; the view adds the gate's sold-out state. */
type CouponRow = Omit<CatalogCoupon, "soldOut">;

export interface CatalogOptions {
  /** How stale the coupon's row may be. */
  couponTtlMs: number;
  /** How stale the gate's issued count may be; the issuer decides anyway, this only spares Kafka. */
  soldOutTtlMs: number;
  /**
   * While Postgres cannot be read, how long a coupon's last row still serves: requests go on being accepted into
   * Kafka, and the issuer decides them once Postgres is back. Past it, the API answers 503.
   */
  staleIfErrorMs: number;
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
  /** Set once `value` resolved, for the synchronous look of `cachedView`; `at` is when it was read. */
  loaded?: { value: T; at: number };
}

/**
 * Coupon data from Postgres and the gate's counters from Redis, each cached briefly, loaded once per expiry.
 * While a value is reloaded, the catalog goes on answering from the one before: it is stale by one load at most.
 */
export class CachedCouponCatalog implements CachedCatalog {
  private readonly coupons = new Map<string, Cached<CouponRow | null>>();
  private readonly gateIssued = new Map<string, Cached<number | null>>();
  private readonly views = new WeakMap<CouponRow, [CatalogCoupon | undefined, CatalogCoupon | undefined]>();

  private readonly prisma: PrismaClient;
  private readonly redis: RedisClient;
  private readonly options: CatalogOptions;
  private readonly log: Logger;

  constructor(prisma: PrismaClient, redis: RedisClient, options: CatalogOptions, log: Logger) {
    this.prisma = prisma;
    this.redis = redis;
    this.options = options;
    this.log = log;
  }

  async find(couponId: string): Promise<CatalogCoupon | null> {
    const coupon = await this.current(this.couponEntry(couponId));
    if (!coupon) return null;
    const atGate = await this.current(this.gateEntry(couponId));
    return this.view(coupon, atGate);
  }

  async issued(couponId: string): Promise<number> {
    const [coupon, atGate] = await Promise.all([this.current(this.couponEntry(couponId)), this.current(this.gateEntry(couponId))]);
    return Math.max(atGate ?? 0, coupon?.issuedCount ?? 0);
  }

  cachedView(couponId: string): CouponView | null | undefined {
    // Only coupons that find() loaded: the id here is the raw path parameter, not validated yet.
    if (!this.coupons.has(couponId)) return undefined;
    const coupon = this.couponEntry(couponId).loaded;
    if (!coupon) return undefined;
    if (!coupon.value) return null;
    const atGate = this.gateEntry(couponId).loaded;
    return atGate ? this.view(coupon.value, atGate.value) : undefined;
  }

  /**
   * The entry's value; while it reloads, the value loaded before, so that no request waits for the reload (every
   * request of a busy coupon would, once per expiry). Not past `staleIfErrorMs`: an older value is not served.
   */
  private current<T>(entry: Cached<T>): T | Promise<T> {
    const { loaded } = entry;
    return loaded && Date.now() - loaded.at <= this.options.staleIfErrorMs ? loaded.value : entry.value;
  }

  /** Drops what is cached of a coupon that an admin just changed. */
  forget(couponId: string): void {
    this.coupons.delete(couponId);
    this.gateIssued.delete(couponId);
  }

  private async loadCoupon(couponId: string): Promise<CouponRow | null> {
    try {
      const row = await this.prisma.coupon.findUnique({ where: { id: couponId }, include: { ...WITH_PAUSES, ...WITH_DRAW_RECORD } });
      if (!row) return null;
      return {
        ...toCoupon(row),
        lottery: row.mode === "LOTTERY" ? toPublishedLottery(row) : null,
        prequeue: row.prequeueSeconds === null ? null : toPublishedLottery({ ...row, drawnAt: row.prequeueDrawnAt }),
      };
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

  private couponEntry(couponId: string): Cached<CouponRow | null> {
    return this.cached(this.coupons, couponId, this.options.couponTtlMs, (last) =>
      this.loadCoupon(couponId).catch((error: unknown) => {
        if (!last || Date.now() - last.at > this.options.staleIfErrorMs) throw error;
        this.log.warn({ couponId, readAt: new Date(last.at).toISOString() }, "serving the coupon as last read while Postgres cannot be read");
        throw new StaleButUsable();
      }),
    );
  }

  private gateEntry(couponId: string): Cached<number | null> {
    return this.cached(this.gateIssued, couponId, this.options.soldOutTtlMs, () => this.loadGateIssued(couponId));
  }

  /** Every request reads the view: it is made once per coupon row and sold-out state, not once per request. */
  private view(coupon: CouponRow, atGate: number | null): CatalogCoupon {
    const soldOut = Math.max(atGate ?? 0, coupon.issuedCount) >= coupon.stock;
    const views = this.views.get(coupon);
    const made = views?.[soldOut ? 1 : 0];
    if (made) return made;
    const view = { ...coupon, soldOut };
    if (views) views[soldOut ? 1 : 0] = view;
    else this.views.set(coupon, soldOut ? [undefined, view] : [view, undefined]);
    return view;
  }

  /**
   * The entry of `key`, reloading it when expired; a reloading entry keeps the value loaded before. A load that fails
   * with StaleButUsable serves the last value (keeping when it was read); any other failure drops the entry.
   */
  private cached<T>(cache: Map<string, Cached<T>>, key: string, ttlMs: number, load: (last: Cached<T>["loaded"]) => Promise<T>): Cached<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit;
    const previous = hit?.loaded;
    const value = load(previous).then(
      (loaded) => {
        entry.loaded = { value: loaded, at: Date.now() };
        return loaded;
      },
      (error: unknown) => {
        if (error instanceof StaleButUsable && previous) return previous.value;
        if (cache.get(key) === entry) cache.delete(key);
        throw error;
      },
    );
    const entry: Cached<T> = { value, expiresAt: now + ttlMs, ...(previous ? { loaded: previous } : {}) };
    cache.set(key, entry);
    if (cache.size > 10_000) cache.clear();
    return entry;
  }
}

/** A reload failed, and the value read before is still young enough to serve. */
class StaleButUsable extends Error {
  constructor() {
    super("serving the value read before");
  }
}
