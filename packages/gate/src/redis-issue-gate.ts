import { readFileSync } from "node:fs";
import type { CouponLedger, GateLimits, IssueGate, IssueRequest, Verdict } from "@dibs/domain";
import type { Redis, Result } from "ioredis";
import { gateKeys } from "./gate-keys.ts";
import { packRequests, unpackVerdicts } from "./request-packing.ts";
import { decodeVerdict, encodeVerdict } from "./verdict-codec.ts";

const decideScript = readFileSync(new URL("./decide.lua", import.meta.url), "utf8");
const REBUILD_CHUNK = 5_000;

declare module "ioredis" {
  interface RedisCommander<Context> {
    dibsDecide(
      meta: string,
      holdings: string,
      decisions: string,
      fence: string,
      stock: number,
      perUserLimit: number,
      requests: string,
    ): Result<string | null, Context>;
  }
}

export class RedisIssueGate implements IssueGate {
  constructor(private readonly redis: Redis) {
    redis.defineCommand("dibsDecide", { numberOfKeys: 4, lua: decideScript });
  }

  async decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<Verdict[] | null> {
    const keys = gateKeys(coupon.id);
    const packed = packRequests(requests);
    const verdicts = await this.redis.dibsDecide(keys.meta, keys.holdings, keys.decisions, keys.fence, coupon.stock, coupon.perUserLimit, packed);
    return verdicts === null ? null : unpackVerdicts(verdicts).map(decodeVerdict);
  }

  /**
   * Runs `work` while no decision can be made for the coupon (decide fails with FENCED, and the issuer retries).
   * The fence expires by itself, so a repair that dies cannot block the coupon for good.
   */
  async fenced<T>(couponId: string, work: () => Promise<T>, ttlMs = 30_000): Promise<T> {
    const { fence } = gateKeys(couponId);
    const token = `${process.pid}-${Date.now()}-${Math.random()}`;
    if ((await this.redis.set(fence, token, "PX", ttlMs, "NX")) !== "OK") throw new Error(`Coupon ${couponId} is already being repaired`);
    try {
      return await work();
    } finally {
      if ((await this.redis.get(fence)) === token) await this.redis.del(fence);
    }
  }

  /** Replaces the coupon's state with the ledger's, in one MULTI: a reader never sees half of it. */
  async rebuild(ledger: CouponLedger): Promise<void> {
    const keys = gateKeys(ledger.coupon.id);
    const tx = this.redis.multi().del(keys.meta, keys.holdings, keys.decisions);
    for (let i = 0; i < ledger.holdings.length; i += REBUILD_CHUNK) {
      const chunk = ledger.holdings.slice(i, i + REBUILD_CHUNK);
      tx.hset(keys.holdings, Object.fromEntries(chunk.map((h) => [h.userId, h.count])));
    }
    for (let i = 0; i < ledger.decisions.length; i += REBUILD_CHUNK) {
      const chunk = ledger.decisions.slice(i, i + REBUILD_CHUNK);
      tx.hset(keys.decisions, Object.fromEntries(chunk.map((d) => [d.requestId, encodeVerdict(d)])));
    }
    const issued = ledger.holdings.reduce((sum, h) => sum + h.count, 0);
    tx.hset(keys.meta, { stock: ledger.coupon.stock, issued });
    const results = await tx.exec();
    const failure = results?.find(([error]) => error);
    if (!results || failure) throw new Error(`Rebuilding the gate of coupon ${ledger.coupon.id} failed: ${failure?.[0]?.message ?? "aborted"}`);
  }
}
