import type { Decision } from "@dibs/domain";

/** Decisions recorded in one second, by kind, and how long they waited since the API accepted them. */
export interface DecisionSecond {
  /** Unix seconds. */
  at: number;
  counts: Record<Decision, number>;
  p50Ms: number;
  p99Ms: number;
}

/** What the live dashboard shows of a sale beyond the coupon's own counts. */
export interface SaleWatch {
  /** The seconds of the last `seconds` in which the coupon had decisions, oldest first. */
  decisionSeconds(couponId: string, seconds: number): Promise<DecisionSecond[]>;
  /** Accepted-to-decided latency over all the coupon's decisions; null before the first. */
  decisionLatency(couponId: string): Promise<{ p50Ms: number; p99Ms: number } | null>;
  /** The issuers' consumer group: messages behind the end of each partition of the request topic. */
  consumerLag(): Promise<Array<{ partition: number; lag: number }>>;
  /** Messages on the dead-letter topic. */
  deadLetterCount(): Promise<number>;
}
