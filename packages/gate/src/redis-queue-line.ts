import { readFileSync } from "node:fs";
import { gateKeys, queuedRequestKey } from "@dibs/contracts";
import { Cluster, type Result } from "ioredis";
import type { RedisClient } from "./redis-connection.ts";

const joinScript = readFileSync(new URL("./join-line.lua", import.meta.url), "utf8");
const standingsScript = readFileSync(new URL("./line-standings.lua", import.meta.url), "utf8");

/** A line outlives its last newcomer by this long; the issuer takes each request out once Postgres has decided it. */
const LINE_TTL_MS = 24 * 60 * 60_000;
/** How long a pending request's coupon is kept: a request still pending after it shows no place in line. */
const QUEUED_TTL_MS = 60 * 60_000;
/** The most requests one coupon's line keeps: later newcomers are still numbered, but their standing is not kept. */
const LINE_BOUND = 1_000_000;

/** Where a pending request stands: its position among the coupon's requests, the undecided ones before it, the stock left. */
export interface LineStanding {
  position: number;
  ahead: number;
  /** Null while the gate holds no state for the coupon (nothing decided yet since it was last built). */
  remaining: number | null;
}

export interface LineEntry {
  requestId: string;
  couponId: string;
}

declare module "ioredis" {
  interface RedisCommander<Context> {
    dibsJoinLine(
      line: string,
      joined: string,
      meta: string,
      ttlMs: number,
      bound: number,
      couponId: string,
      rememberForMs: number,
      rememberAt: string,
      ...requestIds: string[]
    ): Result<number[], Context>;
    dibsLineStandings(line: string, meta: string, ...requestIds: string[]): Result<number[], Context>;
  }
}

/**
 * Each coupon's line of pending requests, next to its gate state (one hash tag, so one script per coupon, on a
 * cluster too). The API places requests once Kafka holds them; the issuer takes them out as Postgres decides them
 * (RedisIssueGate.forget), so `ahead` counts exactly the requests before one that are still undecided.
 */
export class RedisQueueLine {
  private readonly redis: RedisClient;
  private readonly bound: number;

  constructor(redis: RedisClient, options: { bound?: number } = {}) {
    this.redis = redis;
    this.bound = options.bound ?? LINE_BOUND;
    redis.defineCommand("dibsJoinLine", { numberOfKeys: 3, lua: joinScript });
    redis.defineCommand("dibsLineStandings", { numberOfKeys: 2, lua: standingsScript });
  }

  /**
   * Places the requests in their coupons' lines in the order given (one already placed keeps its place): one script per
   * coupon, which also remembers each request's coupon on one Redis; on a cluster, where a script stays within its
   * coupon's slot, each of those is a command of its own, all sent at once.
   */
  async join(entries: readonly LineEntry[]): Promise<Map<string, LineStanding>> {
    const cluster = this.redis instanceof Cluster;
    const placed = [...groupByCoupon(entries)].map(([couponId, requestIds]) => {
      const keys = gateKeys(couponId);
      const rememberFor = cluster ? 0 : QUEUED_TTL_MS;
      return this.redis
        .dibsJoinLine(keys.line, keys.joined, keys.meta, LINE_TTL_MS, this.bound, couponId, rememberFor, queuedRequestKey(""), ...requestIds)
        .then((answer) => standingsOf(requestIds, answer));
    });
    const remembered = cluster ? this.rememberEach(entries) : Promise.resolve();
    const [standings] = await Promise.all([Promise.all(placed), remembered]);
    return new Map(standings.flat());
  }

  /** The standings of those of the requests still in the coupon's line. */
  async standings(couponId: string, requestIds: readonly string[]): Promise<Map<string, LineStanding>> {
    if (requestIds.length === 0) return new Map();
    const keys = gateKeys(couponId);
    const answer = await this.redis.dibsLineStandings(keys.line, keys.meta, ...requestIds);
    return new Map(standingsOf(requestIds, answer));
  }

  /** The coupon whose line a pending request joined; null when it never joined one, or joined too long ago. */
  couponOf(requestId: string): Promise<string | null> {
    return this.redis.get(queuedRequestKey(requestId));
  }

  /** How many requests ever joined the coupon's line, and how many of them are still undecided. */
  async depth(couponId: string): Promise<{ joined: number; waiting: number }> {
    const keys = gateKeys(couponId);
    const [joined, waiting] = await Promise.all([this.redis.get(keys.joined), this.redis.zcard(keys.line)]);
    return { joined: Number(joined ?? 0), waiting };
  }

  private async rememberEach(entries: readonly LineEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.redis.set(queuedRequestKey(e.requestId), e.couponId, "PX", QUEUED_TTL_MS)));
  }
}

/** Request ids by the coupon they are for, each coupon's in the order given. */
export function groupByCoupon(entries: ReadonlyArray<{ requestId: string; couponId: string }>): Map<string, string[]> {
  const byCoupon = new Map<string, string[]>();
  for (const { requestId, couponId } of entries) {
    const ids = byCoupon.get(couponId);
    if (ids) ids.push(requestId);
    else byCoupon.set(couponId, [requestId]);
  }
  return byCoupon;
}

/** The scripts answer the remaining stock (-1: unknown), then a position (-1: not in line) and an `ahead` per request. */
function standingsOf(requestIds: readonly string[], answer: number[]): Array<[string, LineStanding]> {
  const remaining = answer[0]! < 0 ? null : answer[0]!;
  const standings: Array<[string, LineStanding]> = [];
  requestIds.forEach((requestId, i) => {
    const position = answer[1 + 2 * i]!;
    if (position >= 0) standings.push([requestId, { position, ahead: answer[2 + 2 * i]!, remaining }]);
  });
  return standings;
}
