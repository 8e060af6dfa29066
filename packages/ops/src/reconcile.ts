import { gateKeys } from "@dibs/contracts";
import type { PrismaIssueStore } from "@dibs/db";
import type { RedisIssueGate } from "@dibs/gate";
import type { Redis } from "ioredis";

export interface Reconciliation {
  couponId: string;
  postgres: { stock: number; issued: number; holders: number };
  /** `inFlight`: verdicts the gate holds for requests Postgres has not recorded yet (a batch being recorded). */
  redis: { present: boolean; issued: number | null; holders: number; inFlight: number };
  /** Every way Redis differs from Postgres; empty when they agree. */
  differences: string[];
}

const EXAMPLES = 5;

/** Redis' gate state for a coupon against Postgres' rows, which are the truth. */
export async function reconcile(store: PrismaIssueStore, redis: Redis, couponId: string): Promise<Reconciliation | null> {
  const ledger = await store.ledger(couponId);
  if (!ledger) return null;
  const keys = gateKeys(couponId);
  const [issued, holdings, inFlight] = await Promise.all([redis.hget(keys.meta, "issued"), redis.hgetall(keys.holdings), redis.hlen(keys.decisions)]);
  const pgHoldings = new Map<string, number>();
  for await (const page of ledger.holdings()) for (const h of page) pgHoldings.set(h.userId, h.count);
  const present = issued !== null;
  const pgIssued = [...pgHoldings.values()].reduce((sum, count) => sum + count, 0);
  const differences: string[] = [];
  if (!present) differences.push("Redis holds no gate state for the coupon: it is rebuilt from Postgres before the next decision");
  else {
    if (Number(issued) !== pgIssued) differences.push(`issued: Redis ${issued}, Postgres ${pgIssued}`);
    differences.push(...compareHoldings(pgHoldings, holdings));
  }
  return {
    couponId,
    postgres: { stock: ledger.coupon.stock, issued: pgIssued, holders: pgHoldings.size },
    redis: { present, issued: present ? Number(issued) : null, holders: Object.keys(holdings).length, inFlight },
    differences,
  };
}

/** Rebuilds the coupon's Redis state from Postgres under the fence, and says what changed. */
export async function repair(store: PrismaIssueStore, gate: RedisIssueGate, redis: Redis, couponId: string) {
  return gate.fenced(couponId, async () => {
    const before = await reconcile(store, redis, couponId);
    if (!before) return null;
    const ledger = await store.ledgerForRebuild(couponId);
    await gate.rebuild(ledger!);
    const after = await reconcile(store, redis, couponId);
    return { repaired: before.differences, remaining: after!.differences };
  });
}

function compareHoldings(pg: ReadonlyMap<string, number>, redisHoldings: Record<string, string>): string[] {
  const differences: string[] = [];
  for (const [userId, count] of pg) {
    const atGate = Number(redisHoldings[userId] ?? 0);
    if (atGate !== count) differences.push(`holding of ${userId}: Redis ${atGate}, Postgres ${count}`);
  }
  for (const [userId, count] of Object.entries(redisHoldings)) {
    if (!pg.has(userId)) differences.push(`holding of ${userId}: Redis ${count}, Postgres 0`);
  }
  if (differences.length <= EXAMPLES) return differences;
  return [...differences.slice(0, EXAMPLES), `… and ${differences.length - EXAMPLES} more differences in holdings`];
}
