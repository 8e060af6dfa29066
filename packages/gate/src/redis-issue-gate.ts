import { readFileSync } from "node:fs";
import type { CouponLedger, GateLimits, GateVerdicts, IssueGate, IssueRequest } from "@dibs/domain";
import type { Redis, Result } from "ioredis";
import { gateKeys, stagedGateKeys } from "./gate-keys.ts";
import { packRequests, unpackVerdicts } from "./request-packing.ts";
import { decodeVerdict, encodeVerdict } from "./verdict-codec.ts";

const decideScript = readFileSync(new URL("./decide.lua", import.meta.url), "utf8");
const installScript = readFileSync(new URL("./install-rebuild.lua", import.meta.url), "utf8");
const REBUILD_CHUNK = 5_000;
/** A staged rebuild whose stager died is dropped by itself. */
const STAGED_TTL_MS = 10 * 60_000;

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
    dibsInstallRebuild(
      meta: string,
      holdings: string,
      decisions: string,
      stagedMeta: string,
      stagedHoldings: string,
      stagedDecisions: string,
      epoch: number,
    ): Result<number, Context>;
  }
}

export class RedisIssueGate implements IssueGate {
  constructor(private readonly redis: Redis) {
    redis.defineCommand("dibsDecide", { numberOfKeys: 4, lua: decideScript });
    redis.defineCommand("dibsInstallRebuild", { numberOfKeys: 6, lua: installScript });
  }

  async decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<GateVerdicts | null> {
    const keys = gateKeys(coupon.id);
    const packed = packRequests(requests);
    const answer = await this.redis.dibsDecide(keys.meta, keys.holdings, keys.decisions, keys.fence, coupon.stock, coupon.perUserLimit, packed);
    if (answer === null) return null;
    const separator = answer.indexOf("|");
    return { epoch: Number(answer.slice(0, separator)), verdicts: unpackVerdicts(answer.slice(separator + 1)).map(decodeVerdict) };
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

  /**
   * Writes the ledger's state beside the live one, then swaps it in with one script: a reader never sees half of it,
   * and of two issuers rebuilding at once the later generation wins, whichever finishes first.
   */
  async rebuild(ledger: CouponLedger): Promise<void> {
    const couponId = ledger.coupon.id;
    const keys = gateKeys(couponId);
    const staged = stagedGateKeys(couponId, ledger.epoch);
    const tx = this.redis.multi().del(staged.meta, staged.holdings, staged.decisions);
    for (let i = 0; i < ledger.holdings.length; i += REBUILD_CHUNK) {
      const chunk = ledger.holdings.slice(i, i + REBUILD_CHUNK);
      tx.hset(staged.holdings, Object.fromEntries(chunk.map((h) => [h.userId, h.count])));
    }
    for (let i = 0; i < ledger.decisions.length; i += REBUILD_CHUNK) {
      const chunk = ledger.decisions.slice(i, i + REBUILD_CHUNK);
      tx.hset(staged.decisions, Object.fromEntries(chunk.map((d) => [d.requestId, encodeVerdict(d)])));
    }
    const issued = ledger.holdings.reduce((sum, h) => sum + h.count, 0);
    tx.hset(staged.meta, { stock: ledger.coupon.stock, issued, epoch: ledger.epoch });
    for (const key of Object.values(staged)) tx.pexpire(key, STAGED_TTL_MS);
    tx.dibsInstallRebuild(keys.meta, keys.holdings, keys.decisions, staged.meta, staged.holdings, staged.decisions, ledger.epoch);
    const results = await tx.exec();
    const failure = results?.find(([error]) => error);
    if (!results || failure) throw new Error(`Rebuilding the gate of coupon ${couponId} failed: ${failure?.[0]?.message ?? "aborted"}`);
  }
}
