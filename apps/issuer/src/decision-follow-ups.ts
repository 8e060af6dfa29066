import type { DecidedRequest } from "@dibs/domain";
import type { Logger } from "pino";

/**
 * Tells Redis which decisions Postgres recorded: they are announced to the clients waiting for them, and the gate lets
 * their verdicts go (asked again, the requests are answered from Postgres). Best effort: it logs what fails.
 */
export interface DecisionNotifier {
  recorded(decided: readonly DecidedRequest[]): Promise<void>;
}

export interface FollowUpDeps {
  notifier: DecisionNotifier;
  log: Logger;
  /** Decisions that may wait while a follow-up is out before the lane waits with them. */
  waitingDecisions: number;
}

/**
 * What follows a partition's recorded batches and no later batch needs: the decision notice and the gate's forget.
 * Both are best effort, so they run beside the next batch. One follow-up is out at a time; decisions recorded meanwhile
 * wait and go together in the next, and once too many wait, `add` makes the lane wait too: a slow Redis holds back the
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

  /** Never rejects: a notifier that throws after all is logged like one that failed. */
  private async followUp(decided: readonly DecidedRequest[]): Promise<void> {
    try {
      await this.deps.notifier.recorded(decided);
    } catch (error) {
      this.deps.log.warn({ err: error, decisions: decided.length }, "could not announce decisions or let the gate forget them");
    }
  }
}
