import { HttpError } from "./plugins/http-error.ts";
import type { ApiDeps, DecisionView } from "./ports.ts";

export interface WaitLimits {
  /** Status streams and `Prefer: wait` long-polls one user may hold open at once. */
  perUser: number;
  /** All of them on this instance. */
  perInstance: number;
  /** How often the decisions of every waiting request are read in one query, in case an announcement was lost. */
  sweepMs: number;
}

export const DEFAULT_WAIT_LIMITS: WaitLimits = { perUser: 5, perInstance: 10_000, sweepMs: 1_000 };

interface Waiter {
  requestId: string;
  resolve: (decided: DecisionView | null) => void;
}

/**
 * Clients waiting for decisions on this instance: woken by the issuer's announcements, with one query a sweep for all of
 * them as the fallback (never a query per waiter per second), bounded per user and per instance, and released at once
 * when the instance shuts down.
 */
export class DecisionWaits {
  private readonly byRequest = new Map<string, Set<Waiter>>();
  private readonly perUser = new Map<string, number>();
  private held = 0;
  private closed = false;
  private sweeping = false;
  private readonly sweeper: NodeJS.Timeout;

  private listening = false;

  private readonly deps: Pick<ApiDeps, "queries" | "decisions">;
  private readonly limits: WaitLimits;

  /** Nothing of `deps` is used before the first wait: describing the API builds it without adapters. */
  constructor(deps: Pick<ApiDeps, "queries" | "decisions">, limits: WaitLimits = DEFAULT_WAIT_LIMITS) {
    this.deps = deps;
    this.limits = limits;
    this.sweeper = setInterval(() => void this.sweep(), limits.sweepMs).unref();
  }

  /** Holds one of the caller's waits while `work` runs; past the limits, 429 with Retry-After. */
  async holding<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const mine = this.perUser.get(userId) ?? 0;
    if (this.closed) throw new HttpError(503, "SHUTTING_DOWN", "This instance is shutting down: ask again, another one answers", { "retry-after": "1" });
    if (mine >= this.limits.perUser || this.held >= this.limits.perInstance) {
      const whose = mine >= this.limits.perUser ? `you hold ${mine} already, the most one user may` : "this instance holds as many as it may";
      throw new HttpError(429, "TOO_MANY_WAITS", `Too many status streams and waits open: ${whose}; close one or ask without waiting`, { "retry-after": "5" });
    }
    this.perUser.set(userId, mine + 1);
    this.held += 1;
    try {
      return await work();
    } finally {
      this.held -= 1;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    }
  }

  /** The request's decision once it exists; null when `until` passes, `signal` aborts or the instance shuts down. */
  waitFor(requestId: string, until: number, signal?: AbortSignal): Promise<DecisionView | null> {
    if (this.closed || signal?.aborted) return Promise.resolve(null);
    if (!this.listening) {
      this.listening = true;
      this.deps.decisions.onDecided((requestIds) => void this.wake(requestIds.filter((id) => this.byRequest.has(id))));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), Math.max(0, until - Date.now()));
      const waiter: Waiter = { requestId, resolve: (decided) => done(decided) };
      const onAbort = () => done(null);
      signal?.addEventListener("abort", onAbort, { once: true });
      const set = this.byRequest.get(requestId) ?? new Set();
      set.add(waiter);
      this.byRequest.set(requestId, set);
      const done = (decided: DecisionView | null) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        set.delete(waiter);
        if (set.size === 0 && this.byRequest.get(requestId) === set) this.byRequest.delete(requestId);
        resolve(decided);
      };
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends every wait (the streams close, the long-polls answer PENDING) and refuses new ones: the instance is stopping. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const set of this.byRequest.values()) for (const waiter of [...set]) waiter.resolve(null);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.byRequest.size === 0) return;
    this.sweeping = true;
    try {
      await this.wake([...this.byRequest.keys()]);
    } finally {
      this.sweeping = false;
    }
  }

  private async wake(requestIds: string[]): Promise<void> {
    if (requestIds.length === 0) return;
    const decided = await this.deps.queries.findDecisions(requestIds).catch(() => []);
    for (const decision of decided) for (const waiter of [...(this.byRequest.get(decision.requestId) ?? [])]) waiter.resolve(decision);
  }
}
