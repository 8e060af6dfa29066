import type { DecidedRequest, IssueGate } from "@dibs/domain";
import type { Logger } from "pino";

export interface DecisionNotifier {
  notify(decided: readonly DecidedRequest[]): Promise<void>;
}

export interface FollowUpDeps {
  notifier: DecisionNotifier;
  gate: Pick<IssueGate, "forget">;
  log: Logger;
  /** Decisions that may wait while a follow-up is out before the lane waits with them. */
  waitingDecisions: number;
}

/**
 * What follows a partition's recorded batches and no later batch needs: the decision notice, and the gate letting the
 * recorded verdicts go. Both are best effort (a lost notice sends waiting clients to Postgres, a verdict kept costs
 * Redis memory), so they run beside the next batch. One follow-up is out at a time; decisions recorded meanwhile wait
 * and go together in the next, and once too many wait, `add` makes the lane wait too: a slow Redis holds back the
 * partition instead of piling up calls and decisions.
 */
export class DecisionFollowUps {
  private readonly deps: FollowUpDeps;
  private waiting: DecidedRequest[] = [];
  private out: Promise<void> | undefined;

  constructor(deps: FollowUpDeps) {
    this.deps = deps;
  }

  /** Resolves once the decisions are out or waiting to go. */
  async add(recorded: readonly DecidedRequest[]): Promise<void> {
    if (recorded.length === 0) return;
    while (this.out && this.waiting.length > 0 && this.waiting.length + recorded.length > this.deps.waitingDecisions) await this.out;
    for (const decided of recorded) this.waiting.push(decided);
    if (!this.out) this.sendWaiting();
  }

  /** Settles once nothing is out or waiting. */
  async idle(): Promise<void> {
    while (this.out) await this.out;
  }

  private sendWaiting(): void {
    if (this.waiting.length === 0) {
      this.out = undefined;
      return;
    }
    const decided = this.waiting;
    this.waiting = [];
    this.out = this.followUp(decided).then(() => this.sendWaiting());
  }

  /** The notice and every coupon's forget are sent together: on a client that pipelines, in one write. Never rejects. */
  private async followUp(decided: readonly DecidedRequest[]): Promise<void> {
    await Promise.all([this.notify(decided), ...[...requestIdsByCoupon(decided)].map(([couponId, ids]) => this.forget(couponId, ids))]);
  }

  private async notify(decided: readonly DecidedRequest[]): Promise<void> {
    try {
      await this.deps.notifier.notify(decided);
    } catch (error) {
      this.deps.log.warn({ err: error, decisions: decided.length }, "could not announce decisions; clients will read them from Postgres");
    }
  }

  /**
   * Postgres has these decisions now: asked again, the requests are answered from it, so the gate lets their verdicts
   * go, and holds only those of batches in flight.
   */
  private async forget(couponId: string, requestIds: string[]): Promise<void> {
    try {
      await this.deps.gate.forget(couponId, requestIds);
    } catch (error) {
      this.deps.log.warn({ err: error, couponId }, "the gate could not let recorded verdicts go");
    }
  }
}

function requestIdsByCoupon(decided: readonly DecidedRequest[]): Map<string, string[]> {
  const byCoupon = new Map<string, string[]>();
  for (const d of decided) {
    const ids = byCoupon.get(d.couponId);
    if (ids) ids.push(d.requestId);
    else byCoupon.set(d.couponId, [d.requestId]);
  }
  return byCoupon;
}
