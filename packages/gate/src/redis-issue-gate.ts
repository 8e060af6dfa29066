import { readFileSync } from "node:fs";
import type { CouponLedger, Decision, IssueGate, IssueRequest } from "@dibs/domain";
import type { Redis, Result } from "ioredis";
import { gateKeys } from "./gate-keys.ts";

const decideScript = readFileSync(new URL("./decide.lua", import.meta.url), "utf8");
const REBUILD_CHUNK = 5_000;

declare module "ioredis" {
  interface RedisCommander<Context> {
    dibsDecide(meta: string, holders: string, decisions: string, ...args: string[]): Result<Decision[] | null, Context>;
  }
}

export class RedisIssueGate implements IssueGate {
  constructor(private readonly redis: Redis) {
    redis.defineCommand("dibsDecide", { numberOfKeys: 3, lua: decideScript });
  }

  async decide(couponId: string, requests: readonly IssueRequest[]): Promise<Decision[] | null> {
    const keys = gateKeys(couponId);
    const args = requests.flatMap((r) => [r.requestId, r.userId]);
    return this.redis.dibsDecide(keys.meta, keys.holders, keys.decisions, ...args);
  }

  /** Replaces the coupon's state with the ledger's, in one MULTI: a reader never sees half of it. */
  async rebuild(ledger: CouponLedger): Promise<void> {
    const keys = gateKeys(ledger.coupon.id);
    const tx = this.redis.multi().del(keys.meta, keys.holders, keys.decisions);
    for (let i = 0; i < ledger.holders.length; i += REBUILD_CHUNK) {
      tx.sadd(keys.holders, ...ledger.holders.slice(i, i + REBUILD_CHUNK));
    }
    for (let i = 0; i < ledger.decisions.length; i += REBUILD_CHUNK) {
      const chunk = ledger.decisions.slice(i, i + REBUILD_CHUNK);
      tx.hset(keys.decisions, Object.fromEntries(chunk.map((d) => [d.requestId, d.decision])));
    }
    tx.hset(keys.meta, { stock: ledger.coupon.stock, issued: ledger.holders.length });
    const results = await tx.exec();
    const failure = results?.find(([error]) => error);
    if (!results || failure) throw new Error(`Rebuilding the gate of coupon ${ledger.coupon.id} failed: ${failure?.[0]?.message ?? "aborted"}`);
  }
}
