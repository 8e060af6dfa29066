import type { Coupon } from "../coupon.ts";
import type { DecidedRequest } from "../decision.ts";
import type { CouponLedger, IssueStore, RecordOutcome } from "../ports.ts";

/** Mirrors the Postgres constraints: unique request id, unique (coupon, user), issued never above stock. */
export class InMemoryIssueStore implements IssueStore {
  readonly coupons = new Map<string, Coupon>();
  readonly decisions = new Map<string, DecidedRequest>();
  readonly holders = new Map<string, Set<string>>();

  addCoupon(coupon: Coupon): void {
    this.coupons.set(coupon.id, { ...coupon });
    this.holders.set(coupon.id, new Set());
  }

  async findCoupons(couponIds: readonly string[]): Promise<Map<string, Coupon>> {
    const found = new Map<string, Coupon>();
    for (const id of couponIds) {
      const coupon = this.coupons.get(id);
      if (coupon) found.set(id, { ...coupon });
    }
    return found;
  }

  async record(decided: readonly DecidedRequest[]): Promise<RecordOutcome> {
    const conflicts = new Set<string>();
    const fresh: DecidedRequest[] = [];
    const newHolders = new Map<string, Set<string>>();
    for (const d of decided) {
      const existing = this.decisions.get(d.requestId);
      if (existing) {
        if (existing.decision !== d.decision && d.decision !== "REJECTED") conflicts.add(d.couponId);
        continue;
      }
      if (d.decision === "ISSUED") {
        const pending = newHolders.get(d.couponId) ?? new Set<string>();
        if (this.holders.get(d.couponId)!.has(d.userId) || pending.has(d.userId)) conflicts.add(d.couponId);
        pending.add(d.userId);
        newHolders.set(d.couponId, pending);
      }
      fresh.push(d);
    }
    for (const [couponId, users] of newHolders) {
      const coupon = this.coupons.get(couponId)!;
      if (coupon.issuedCount + users.size > coupon.stock) conflicts.add(couponId);
    }
    if (conflicts.size > 0) return { conflicts: [...conflicts], recorded: [] };

    for (const d of fresh) this.decisions.set(d.requestId, { ...d });
    for (const [couponId, users] of newHolders) {
      for (const user of users) this.holders.get(couponId)!.add(user);
      this.coupons.get(couponId)!.issuedCount += users.size;
    }
    return { conflicts: [], recorded: decided.map((d) => this.decisions.get(d.requestId)!) };
  }

  async ledger(couponId: string): Promise<CouponLedger | null> {
    const coupon = this.coupons.get(couponId);
    if (!coupon) return null;
    const decisions = [...this.decisions.values()]
      .filter((d) => d.couponId === couponId)
      .map((d) => ({ requestId: d.requestId, decision: d.decision }));
    return { coupon: { ...coupon }, holders: [...this.holders.get(couponId)!], decisions };
  }

  issuedCount(couponId: string): number {
    return this.coupons.get(couponId)?.issuedCount ?? 0;
  }
}
