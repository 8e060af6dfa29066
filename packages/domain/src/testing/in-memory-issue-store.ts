import type { Coupon } from "../coupon.ts";
import type { DecidedRequest } from "../decision.ts";
import type { IssueRequest } from "../issue-request.ts";
import type { BatchReading, CouponLedger, IssueStore, RecordBatch, RecordOutcome } from "../ports.ts";

/** Small, so that the tests go through more than one page. */
const HOLDINGS_PAGE = 2;

/** Mirrors the Postgres constraints: unique request id, unique (coupon, user, n), issued never above stock. */
export class InMemoryIssueStore implements IssueStore {
  readonly coupons = new Map<string, Coupon>();
  readonly decisions = new Map<string, DecidedRequest>();
  /** coupon → "user#n" of every issue */
  readonly issues = new Map<string, Set<string>>();
  /** coupon → user → the request id of the user's lottery entry */
  readonly entries = new Map<string, Map<string, string>>();
  /** coupon → the generation of its gate (Postgres' gate_epoch) */
  readonly gateEpochs = new Map<string, number>();

  addCoupon(coupon: Coupon): void {
    this.coupons.set(coupon.id, { ...coupon });
    this.issues.set(coupon.id, new Set());
  }

  async prequeueEntrants(couponIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(couponIds.map((id) => [id, this.entries.get(id)?.size ?? 0]));
  }

  async readBatch(couponIds: readonly string[], requestIds: readonly string[]): Promise<BatchReading> {
    return { coupons: await this.findCoupons(couponIds), decided: await this.findDecided(requestIds) };
  }

  private async findCoupons(couponIds: readonly string[]): Promise<Map<string, Coupon>> {
    const found = new Map<string, Coupon>();
    for (const id of couponIds) {
      const coupon = this.coupons.get(id);
      if (coupon) found.set(id, { ...coupon });
    }
    return found;
  }

  async record({ decided: given, entries = [], gateEpochs = new Map() }: RecordBatch): Promise<RecordOutcome> {
    const stale = staleGates(given, gateEpochs, this.gateEpochs);
    if (stale.length > 0) return { conflicts: [], staleGates: stale, recorded: [] };
    const conflicts = new Set<string>();
    const refused = this.enter(entries).filter((d) => !this.decisions.has(d.requestId));
    const decided = [...given, ...refused];
    const fresh: DecidedRequest[] = [];
    const newIssues = new Map<string, Set<string>>();
    for (const d of decided) {
      const existing = this.decisions.get(d.requestId);
      if (existing) {
        if (existing.decision !== d.decision && d.decision !== "REJECTED") conflicts.add(d.couponId);
        continue;
      }
      if (d.decision === "ISSUED") {
        const issue = `${d.userId}#${d.holding}`;
        const pending = newIssues.get(d.couponId) ?? new Set<string>();
        const coupon = this.coupons.get(d.couponId)!;
        if (this.issues.get(d.couponId)!.has(issue) || pending.has(issue) || !d.holding || d.holding > coupon.perUserLimit) {
          conflicts.add(d.couponId);
        }
        pending.add(issue);
        newIssues.set(d.couponId, pending);
      }
      fresh.push(d);
    }
    for (const [couponId, issues] of newIssues) {
      const coupon = this.coupons.get(couponId)!;
      if (coupon.issuedCount + issues.size > coupon.stock) conflicts.add(couponId);
    }
    if (conflicts.size > 0) return { conflicts: [...conflicts], staleGates: [], recorded: [] };

    for (const d of fresh) this.decisions.set(d.requestId, { ...d });
    for (const [couponId, issues] of newIssues) {
      for (const issue of issues) this.issues.get(couponId)!.add(issue);
      this.coupons.get(couponId)!.issuedCount += issues.size;
    }
    return { conflicts: [], staleGates: [], recorded: decided.map((d) => this.decisions.get(d.requestId)!) };
  }

  private enter(entries: readonly IssueRequest[]): DecidedRequest[] {
    const refused: DecidedRequest[] = [];
    for (const entry of entries) {
      if (this.coupons.get(entry.couponId)?.drawnAt) {
        refused.push({ ...entry, decision: "REJECTED", reason: "COUPON_ENDED" });
        continue;
      }
      const byUser = this.entries.get(entry.couponId) ?? new Map<string, string>();
      this.entries.set(entry.couponId, byUser);
      const earlier = byUser.get(entry.userId);
      if (!earlier) byUser.set(entry.userId, entry.requestId);
      else if (earlier !== entry.requestId) refused.push({ ...entry, decision: "DUPLICATE", holding: 1 });
    }
    return refused;
  }

  async ledgerForRebuild(couponId: string): Promise<CouponLedger | null> {
    if (!this.coupons.has(couponId)) return null;
    this.gateEpochs.set(couponId, (this.gateEpochs.get(couponId) ?? 0) + 1);
    return this.ledger(couponId);
  }

  async ledger(couponId: string): Promise<CouponLedger | null> {
    const coupon = this.coupons.get(couponId);
    if (!coupon) return null;
    const counts = new Map<string, number>();
    for (const issue of this.issues.get(couponId)!) {
      const userId = issue.slice(0, issue.lastIndexOf("#"));
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    const epoch = this.gateEpochs.get(couponId) ?? 0;
    const holdings = [...counts].map(([userId, count]) => ({ userId, count }));
    return {
      coupon: { ...coupon },
      epoch,
      holdings: async function* () {
        for (let i = 0; i < holdings.length; i += HOLDINGS_PAGE) yield holdings.slice(i, i + HOLDINGS_PAGE);
      },
    };
  }

  async findDecided(requestIds: readonly string[]): Promise<Map<string, DecidedRequest>> {
    const found = new Map<string, DecidedRequest>();
    for (const requestId of requestIds) {
      const decided = this.decisions.get(requestId);
      if (decided) found.set(requestId, { ...decided });
    }
    return found;
  }

  issuedCount(couponId: string): number {
    return this.coupons.get(couponId)?.issuedCount ?? 0;
  }
}

/** The coupons whose gate verdicts are of a generation other than the store's, as Postgres checks them. */
function staleGates(decided: readonly DecidedRequest[], given: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): string[] {
  const gated = new Set(decided.filter((d) => d.decision !== "REJECTED").map((d) => d.couponId));
  for (const couponId of gated) {
    if (!given.has(couponId)) throw new Error(`Decisions for coupon ${couponId} came without the generation of the gate that made them`);
  }
  return [...gated].filter((couponId) => given.get(couponId) !== (current.get(couponId) ?? 0));
}
