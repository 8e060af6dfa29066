import type { Decision } from "../decision.ts";
import { decideAgainst, type GateState } from "../gate-rules.ts";
import type { IssueRequest } from "../issue-request.ts";
import type { CouponLedger, IssueGate } from "../ports.ts";

export class InMemoryIssueGate implements IssueGate {
  readonly states = new Map<string, GateState>();

  async decide(couponId: string, requests: readonly IssueRequest[]): Promise<Decision[] | null> {
    const state = this.states.get(couponId);
    if (!state) return null;
    return requests.map((r) => decideAgainst(state, r.requestId, r.userId));
  }

  async rebuild(ledger: CouponLedger): Promise<void> {
    this.states.set(ledger.coupon.id, {
      stock: ledger.coupon.stock,
      issued: ledger.holders.length,
      holders: new Set(ledger.holders),
      decisions: new Map(ledger.decisions.map((d) => [d.requestId, d.decision])),
    });
  }

  /** Loses a coupon's state, as a Redis flush or restart would. */
  forget(couponId: string): void {
    this.states.delete(couponId);
  }
}
