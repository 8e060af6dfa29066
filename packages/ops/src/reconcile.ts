import type { IssueGate, IssueStore } from "@dibs/domain";

export interface Reconciliation {
  couponId: string;
  postgres: { stock: number; issued: number; holders: number };
  /** `inFlight`: verdicts the gate holds for requests Postgres has not recorded yet (a batch being recorded). */
  redis: { present: boolean; issued: number | null; holders: number; inFlight: number };
  /** Every way Redis differs from Postgres; empty when they agree. */
  differences: string[];
}

const EXAMPLES = 5;

/** The gate's state of one coupon as it stands, read without deciding anything. */
export interface GateSnapshot {
  /** null when the gate holds no state for the coupon. */
  issued: number | null;
  holdings: ReadonlyMap<string, number>;
  /** Verdicts held for requests Postgres has not recorded yet. */
  inFlight: number;
}

/** What reconcile and repair need of the gate, beyond deciding. */
export interface InspectableGate extends Pick<IssueGate, "rebuild"> {
  inspect(couponId: string): Promise<GateSnapshot>;
  /** Runs `work` while nothing is decided for the coupon anywhere. */
  fenced<T>(couponId: string, work: () => Promise<T>): Promise<T>;
}

export type Ledgers = Pick<IssueStore, "ledger" | "ledgerForRebuild">;

/** The gate's state for a coupon against Postgres' rows, which are the truth. */
export async function reconcile(store: Ledgers, gate: Pick<InspectableGate, "inspect">, couponId: string): Promise<Reconciliation | null> {
  const ledger = await store.ledger(couponId);
  if (!ledger) return null;
  const atGate = await gate.inspect(couponId);
  const pgHoldings = new Map<string, number>();
  for await (const page of ledger.holdings()) for (const h of page) pgHoldings.set(h.userId, h.count);
  const present = atGate.issued !== null;
  const pgIssued = [...pgHoldings.values()].reduce((sum, count) => sum + count, 0);
  const differences: string[] = [];
  if (!present) differences.push("Redis holds no gate state for the coupon: it is rebuilt from Postgres before the next decision");
  else {
    if (atGate.issued !== pgIssued) differences.push(`issued: Redis ${atGate.issued}, Postgres ${pgIssued}`);
    differences.push(...compareHoldings(pgHoldings, atGate.holdings));
  }
  return {
    couponId,
    postgres: { stock: ledger.coupon.stock, issued: pgIssued, holders: pgHoldings.size },
    redis: { present, issued: atGate.issued, holders: atGate.holdings.size, inFlight: atGate.inFlight },
    differences,
  };
}

/** Rebuilds the coupon's gate state from Postgres under the fence, and says what changed. */
export async function repair(store: Ledgers, gate: InspectableGate, couponId: string) {
  return gate.fenced(couponId, async () => {
    const before = await reconcile(store, gate, couponId);
    if (!before) return null;
    const ledger = await store.ledgerForRebuild(couponId);
    await gate.rebuild(ledger!);
    const after = await reconcile(store, gate, couponId);
    return { repaired: before.differences, remaining: after!.differences };
  });
}

function compareHoldings(pg: ReadonlyMap<string, number>, gateHoldings: ReadonlyMap<string, number>): string[] {
  const differences: string[] = [];
  for (const [userId, count] of pg) {
    const atGate = gateHoldings.get(userId) ?? 0;
    if (atGate !== count) differences.push(`holding of ${userId}: Redis ${atGate}, Postgres ${count}`);
  }
  for (const [userId, count] of gateHoldings) {
    if (!pg.has(userId)) differences.push(`holding of ${userId}: Redis ${count}, Postgres 0`);
  }
  if (differences.length <= EXAMPLES) return differences;
  return [...differences.slice(0, EXAMPLES), `… and ${differences.length - EXAMPLES} more differences in holdings`];
}
