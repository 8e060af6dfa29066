import type { PrismaIssueStore } from "@dibs/db";
import type { CouponLedger } from "@dibs/domain";
import { decodeVerdict, gateKeys, type RedisIssueGate } from "@dibs/gate";
import type { Redis } from "ioredis";

export interface Reconciliation {
  couponId: string;
  postgres: { stock: number; issued: number; holders: number; decisions: number };
  redis: { present: boolean; issued: number | null; holders: number; decisions: number };
  /** Every way Redis differs from Postgres; empty when they agree. */
  differences: string[];
}

const EXAMPLES = 5;

/** Redis' gate state for a coupon against Postgres' rows, which are the truth. */
export async function reconcile(store: PrismaIssueStore, redis: Redis, couponId: string): Promise<Reconciliation | null> {
  const ledger = await store.ledger(couponId);
  if (!ledger) return null;
  const keys = gateKeys(couponId);
  const [issued, holdings, decisions] = await Promise.all([redis.hget(keys.meta, "issued"), redis.hgetall(keys.holdings), redis.hgetall(keys.decisions)]);
  const present = issued !== null;
  const pgIssued = ledger.holdings.reduce((sum, h) => sum + h.count, 0);
  const differences: string[] = [];
  if (!present) differences.push("Redis holds no gate state for the coupon: it is rebuilt from Postgres before the next decision");
  else {
    if (Number(issued) !== pgIssued) differences.push(`issued: Redis ${issued}, Postgres ${pgIssued}`);
    differences.push(...compareHoldings(ledger, holdings), ...compareDecisions(ledger, decisions));
  }
  return {
    couponId,
    postgres: { stock: ledger.coupon.stock, issued: pgIssued, holders: ledger.holdings.length, decisions: ledger.decisions.length },
    redis: { present, issued: present ? Number(issued) : null, holders: Object.keys(holdings).length, decisions: Object.keys(decisions).length },
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

function compareHoldings(ledger: CouponLedger, redisHoldings: Record<string, string>): string[] {
  const differences: string[] = [];
  const pg = new Map(ledger.holdings.map((h) => [h.userId, h.count]));
  for (const [userId, count] of pg) {
    const atGate = Number(redisHoldings[userId] ?? 0);
    if (atGate !== count) differences.push(`holding of ${userId}: Redis ${atGate}, Postgres ${count}`);
  }
  for (const [userId, count] of Object.entries(redisHoldings)) {
    if (!pg.has(userId)) differences.push(`holding of ${userId}: Redis ${count}, Postgres 0`);
  }
  return summarize(differences, "holdings");
}

/** Redis may know decisions Postgres has not recorded yet (a batch in flight); a different verdict is a difference. */
function compareDecisions(ledger: CouponLedger, redisDecisions: Record<string, string>): string[] {
  const differences: string[] = [];
  for (const d of ledger.decisions) {
    const atGate = redisDecisions[d.requestId];
    if (!atGate) differences.push(`decision of request ${d.requestId}: missing in Redis, Postgres ${d.decision}`);
    else if (decodeVerdict(atGate).decision !== d.decision) {
      differences.push(`decision of request ${d.requestId}: Redis ${decodeVerdict(atGate).decision}, Postgres ${d.decision}`);
    }
  }
  return summarize(differences, "decisions");
}

function summarize(differences: string[], what: string): string[] {
  if (differences.length <= EXAMPLES) return differences;
  return [...differences.slice(0, EXAMPLES), `… and ${differences.length - EXAMPLES} more differences in ${what}`];
}
