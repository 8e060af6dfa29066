import { readFileSync } from "node:fs";
import { gateKeys, stagedGateKeys } from "@dibs/contracts";
import type { CouponLedger, Decision, GateLimits, GateVerdicts, IssueGate, IssueRequest, Verdict } from "@dibs/domain";
import type { ChainableCommander, Result } from "ioredis";
import type { RedisClient } from "./redis-connection.ts";

const decideScript = readFileSync(new URL("./decide.lua", import.meta.url), "utf8");
const installScript = readFileSync(new URL("./install-rebuild.lua", import.meta.url), "utf8");
/** A staged rebuild whose stager died is dropped by itself. */
const STAGED_TTL_MS = 10 * 60_000;
/** How long a campaign's gate outlives its end: late redeliveries find it; after that it is rebuilt if asked. */
const KEPT_AFTER_END_MS = 24 * 60 * 60_000;
/** The widest field decide.lua can read back: its length travels as three decimal digits. */
const MAX_FIELD_BYTES = 999;
/** Request ids per HDEL. */
const FORGET_CHUNK = 5_000;

declare module "ioredis" {
  interface RedisCommander<Context> {
    dibsDecide(
      meta: string,
      holdings: string,
      decisions: string,
      fence: string,
      stock: number,
      perUserLimit: number,
      expireAt: number,
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
  private readonly redis: RedisClient;

  constructor(redis: RedisClient) {
    this.redis = redis;
    redis.defineCommand("dibsDecide", { numberOfKeys: 4, lua: decideScript });
    redis.defineCommand("dibsInstallRebuild", { numberOfKeys: 6, lua: installScript });
  }

  async decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<GateVerdicts | null> {
    const keys = gateKeys(coupon.id);
    const packed = packRequests(requests);
    const expireAt = coupon.endsAt ? coupon.endsAt.getTime() + KEPT_AFTER_END_MS : 0;
    const answer = await this.redis.dibsDecide(keys.meta, keys.holdings, keys.decisions, keys.fence, coupon.stock, coupon.perUserLimit, expireAt, packed);
    if (answer === null) return null;
    const separator = answer.indexOf("|");
    return { epoch: Number(answer.slice(0, separator)), verdicts: unpackVerdicts(answer.slice(separator + 1)).map(decodeVerdict) };
  }

  /**
   * Runs `work` while no decision can be made for the coupon (decide fails with FENCED, and the issuer retries).
   * The fence expires by itself, so a repair that dies cannot block the coupon for good.
   */
  /** The coupon's state as it stands, for reconcile: read, never decided on. */
  async inspect(couponId: string): Promise<{ issued: number | null; holdings: Map<string, number>; inFlight: number }> {
    const keys = gateKeys(couponId);
    const [issued, holdings, inFlight] = await Promise.all([
      this.redis.hget(keys.meta, "issued"),
      this.redis.hgetall(keys.holdings),
      this.redis.hlen(keys.decisions),
    ]);
    return {
      issued: issued === null ? null : Number(issued),
      holdings: new Map(Object.entries(holdings).map(([userId, count]) => [userId, Number(count)])),
      inFlight,
    };
  }

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
   * Writes the ledger's state beside the live one, a page of holders at a time, then swaps it in with one script: a
   * reader never sees half of it, and of two issuers rebuilding at once the later generation wins, whichever finishes
   * first. Verdicts start empty: a request Postgres has decided is answered from Postgres.
   */
  async rebuild(ledger: CouponLedger): Promise<void> {
    const couponId = ledger.coupon.id;
    const keys = gateKeys(couponId);
    const staged = stagedGateKeys(couponId, ledger.epoch);
    await this.redis.del(staged.meta, staged.holdings, staged.decisions);
    let issued = 0;
    for await (const page of ledger.holdings()) {
      await this.redis
        .multi()
        .hset(staged.holdings, Object.fromEntries(page.map((h) => [h.userId, h.count])))
        .pexpire(staged.holdings, STAGED_TTL_MS)
        .exec();
      for (const h of page) issued += h.count;
    }
    const results = await this.redis
      .multi()
      .hset(staged.meta, { stock: ledger.coupon.stock, issued, epoch: ledger.epoch })
      .pexpire(staged.meta, STAGED_TTL_MS)
      .dibsInstallRebuild(keys.meta, keys.holdings, keys.decisions, staged.meta, staged.holdings, staged.decisions, ledger.epoch)
      .exec();
    const failure = results?.find(([error]) => error);
    if (!results || failure) throw new Error(`Rebuilding the gate of coupon ${couponId} failed: ${failure?.[0]?.message ?? "aborted"}`);
  }

  /** The requests also leave the coupon's line (RedisQueueLine): decided, no one is behind them any more. */
  async forget(couponId: string, requestIds: readonly string[]): Promise<void> {
    const results = await forgetting(this.redis.pipeline(), couponId, requestIds).exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }
}

/**
 * Adds what `forget` sends to `pipeline`: a caller with more to say to the same Redis (the issuer's decision notice)
 * says it all in one round trip.
 */
export function forgetting(pipeline: ChainableCommander, couponId: string, requestIds: readonly string[]): ChainableCommander {
  const { decisions, line } = gateKeys(couponId);
  for (let i = 0; i < requestIds.length; i += FORGET_CHUNK) {
    const chunk = requestIds.slice(i, i + FORGET_CHUNK);
    pipeline.hdel(decisions, ...chunk).zrem(line, ...chunk);
  }
  return pipeline;
}

/**
 * A batch as one script argument instead of two per request: ioredis spent more CPU framing 17,400 arguments than
 * Redis spent deciding them. Each field is its UTF-8 length in three digits followed by its bytes, so an id may hold
 * any character at all.
 */
export function packRequests(requests: readonly IssueRequest[]): string {
  let packed = "";
  for (const request of requests) packed += field(request.requestId) + field(request.userId);
  return packed;
}

/** decide.lua answers one verdict per request, joined by commas. */
export function unpackVerdicts(packed: string): string[] {
  return packed === "" ? [] : packed.split(",");
}

function field(value: string): string {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_FIELD_BYTES) throw new Error(`An id of ${bytes} bytes is longer than the gate takes (${MAX_FIELD_BYTES})`);
  return String(bytes).padStart(3, "0") + value;
}

/** How decide.lua keeps and answers a verdict: "SOLD_OUT", "ISSUED:2". */
function decodeVerdict(encoded: string): Verdict {
  const [decision, holding] = encoded.split(":");
  return holding ? { decision: decision as Decision, holding: Number(holding) } : { decision: decision as Decision };
}
