import type { Verdict } from "../decision.ts";
import { decideAgainst, type GateState } from "../gate-rules.ts";
import type { IssueRequest } from "../issue-request.ts";
import type { CouponLedger, GateLimits, IssueGate } from "../ports.ts";

export class InMemoryIssueGate implements IssueGate {
  readonly states = new Map<string, GateState>();

  async decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<Verdict[] | null> {
    const state = this.states.get(coupon.id);
    if (!state) return null;
    state.stock = coupon.stock;
    state.perUserLimit = coupon.perUserLimit;
    return requests.map((r) => decideAgainst(state, r.requestId, r.userId));
  }

  async rebuild(ledger: CouponLedger): Promise<void> {
    this.states.set(ledger.coupon.id, {
      stock: ledger.coupon.stock,
      perUserLimit: ledger.coupon.perUserLimit,
      issued: ledger.holdings.reduce((sum, h) => sum + h.count, 0),
      holdings: new Map(ledger.holdings.map((h) => [h.userId, h.count])),
      decisions: new Map(ledger.decisions.map((d) => [d.requestId, verdictOf(d)])),
    });
  }

  /** Loses a coupon's state, as a Redis flush or restart would. */
  forget(couponId: string): void {
    this.states.delete(couponId);
  }
}

function verdictOf(d: CouponLedger["decisions"][number]): Verdict {
  return d.holding === null ? { decision: d.decision } : { decision: d.decision, holding: d.holding };
}
