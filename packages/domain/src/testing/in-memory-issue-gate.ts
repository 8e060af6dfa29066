import type { Verdict } from "../decision.ts";
import { decideAgainst, type GateState } from "../gate-rules.ts";
import type { IssueRequest } from "../issue-request.ts";
import type { CouponLedger, GateLimits, GateVerdicts, IssueGate } from "../ports.ts";

export class InMemoryIssueGate implements IssueGate {
  readonly states = new Map<string, GateState & { epoch: number }>();

  async decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<GateVerdicts | null> {
    const state = this.states.get(coupon.id);
    if (!state) return null;
    state.stock = coupon.stock;
    state.perUserLimit = coupon.perUserLimit;
    return { verdicts: requests.map((r) => decideAgainst(state, r.requestId, r.userId)), epoch: state.epoch };
  }

  async rebuild(ledger: CouponLedger): Promise<void> {
    const current = this.states.get(ledger.coupon.id);
    if (current && current.epoch >= ledger.epoch) return;
    this.states.set(ledger.coupon.id, {
      epoch: ledger.epoch,
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
