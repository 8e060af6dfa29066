import type { FastifyBaseLogger } from "fastify";
import type { ApiDeps, Standing } from "./ports.ts";

export interface QueueStandingsOptions {
  /** How long an answer waits for the line before it goes without a place. */
  timeoutMs: number;
  /** After the line failed or was late, how long answers go without a place before it is asked again. */
  restMs: number;
  /** How often the requests watched by status streams are read again, one script per coupon for all of them. */
  refreshMs: number;
}

export const DEFAULT_QUEUE_STANDINGS: QueueStandingsOptions = { timeoutMs: 1_000, restMs: 5_000, refreshMs: 1_000 };
const WARN_EVERY_MS = 10_000;

interface Entry {
  requestId: string;
  couponId: string;
  resolve: (standing: Standing | null) => void;
}

type Listener = (standing: Standing) => void;

/**
 * The API's side of the coupons' lines. Requests Kafka acknowledged together are placed together: each waits for the
 * next turn of the event loop, by which time every request of its send has asked, and they go to Redis as one call per
 * coupon. Status streams are refreshed together too, once a second per coupon. Everything here is best effort: when
 * Redis fails or is slow, answers go without a place.
 */
export class QueueStandings {
  private batch: Entry[] = [];
  private readonly watched = new Map<string, Map<string, Set<Listener>>>();
  private readonly last = new Map<string, string>();
  private readonly refresher: NodeJS.Timeout;
  private refreshing = false;
  private lastWarning = 0;
  /** Until when (Date.now()) the line is not asked: it failed or was late just before. */
  private restingUntil = 0;

  private readonly deps: Pick<ApiDeps, "line">;
  private readonly log: FastifyBaseLogger;
  private readonly options: QueueStandingsOptions;

  /** Nothing of `deps` is used before the first request: describing the API builds it without adapters. */
  constructor(deps: Pick<ApiDeps, "line">, log: FastifyBaseLogger, options: QueueStandingsOptions = DEFAULT_QUEUE_STANDINGS) {
    this.deps = deps;
    this.log = log;
    this.options = options;
    this.refresher = setInterval(() => void this.refresh(), options.refreshMs).unref();
  }

  /** Puts a request Kafka holds in its coupon's line; its standing, or null when the line did not answer in time. */
  place(requestId: string, couponId: string): Promise<Standing | null> {
    return new Promise((resolve) => {
      if (this.batch.length === 0) setImmediate(() => void this.flush());
      this.batch.push({ requestId, couponId, resolve });
    });
  }

  /** Where a pending request stands, found by its id alone; null when it is in no line (or the line did not answer). */
  async of(requestId: string): Promise<{ couponId: string; standing: Standing } | null> {
    return this.bounded(async () => {
      const couponId = await this.deps.line.couponOf(requestId);
      if (!couponId) return null;
      const standing = (await this.deps.line.standings(couponId, [requestId])).get(requestId);
      return standing ? { couponId, standing } : null;
    });
  }

  /** Calls `listener` with the request's standing whenever it changes from `current`, until the returned function is called. */
  watch(couponId: string, requestId: string, current: Standing | null, listener: Listener): () => void {
    if (current) this.last.set(requestId, JSON.stringify(current));
    const byRequest = this.watched.get(couponId) ?? new Map<string, Set<Listener>>();
    this.watched.set(couponId, byRequest);
    const listeners = byRequest.get(requestId) ?? new Set<Listener>();
    byRequest.set(requestId, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      byRequest.delete(requestId);
      this.last.delete(requestId);
      if (byRequest.size === 0) this.watched.delete(couponId);
    };
  }

  close(): void {
    clearInterval(this.refresher);
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    const standings = await this.bounded(() => this.deps.line.join(batch));
    for (const entry of batch) entry.resolve(standings?.get(entry.requestId) ?? null);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || this.watched.size === 0) return;
    this.refreshing = true;
    try {
      await Promise.all(
        [...this.watched].map(async ([couponId, byRequest]) => {
          const standings = await this.bounded(() => this.deps.line.standings(couponId, [...byRequest.keys()]));
          for (const [requestId, standing] of standings ?? []) {
            const seen = JSON.stringify(standing);
            if (this.last.get(requestId) === seen) continue;
            this.last.set(requestId, seen);
            for (const listener of byRequest.get(requestId) ?? []) listener(standing);
          }
        }),
      );
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * The line's answer, or null when it failed or was late. A line that failed is left alone for a while, so that an
   * outage of Redis costs the answers one late wait, not one each.
   */
  private async bounded<T>(work: () => Promise<T>): Promise<T | null> {
    if (Date.now() < this.restingUntil) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), this.options.timeoutMs)));
    try {
      const answer = await Promise.race([work(), late]);
      if (answer !== "late") return answer;
      this.rest(new Error(`no answer within ${this.options.timeoutMs} ms`));
      return null;
    } catch (error) {
      this.rest(error);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private rest(error: unknown): void {
    const now = Date.now();
    this.restingUntil = now + this.options.restMs;
    if (now - this.lastWarning > WARN_EVERY_MS) {
      this.lastWarning = now;
      this.log.warn({ err: error }, `the queue line did not answer: answers go without a place in line for ${this.options.restMs} ms`);
    }
  }
}
