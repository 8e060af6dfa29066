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
    const holdings = new Map<string, number>();
    for await (const page of ledger.holdings()) for (const h of page) holdings.set(h.userId, h.count);
    if ((this.states.get(ledger.coupon.id)?.epoch ?? -1) >= ledger.epoch) return;
    this.states.set(ledger.coupon.id, {
      epoch: ledger.epoch,
      stock: ledger.coupon.stock,
      perUserLimit: ledger.coupon.perUserLimit,
      issued: [...holdings.values()].reduce((sum, count) => sum + count, 0),
      holdings,
      decisions: new Map(),
    });
  }

  async forget(couponId: string, requestIds: readonly string[]): Promise<void> {
    const state = this.states.get(couponId);
    for (const requestId of requestIds) state?.decisions.delete(requestId);
  }

  /** Loses a coupon's state, as a Redis flush or restart would. */
  lose(couponId: string): void {
    this.states.delete(couponId);
  }
}
