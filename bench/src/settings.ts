/** Where the bench finds Postgres and Redis, and the secrets its servers and load generator share. */
export const benchEnv = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_bench",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  jwtSecret: "bench-secret-bench-secret-bench-secret-0123",
  jwtIssuer: "dibs",
  requestIdSecret: "bench-request-ids-bench-request-ids-012345",
};

/** A flash sale: `requests` from `users` (the rest press again), arriving evenly within `burstSeconds`. */
interface SaleProfile {
  users: number;
  requests: number;
  stock: number;
  burstSeconds: number;
}

export interface BenchProfile {
  /** Open-loop flash sale: decision latency (P3) and the correctness columns. */
  sale: SaleProfile;
  /** dibs only: an open loop it can keep up with, for the latency its pipeline adds when it is not overloaded. */
  steady: SaleProfile;
  /** Closed loop on a coupon whose stock never runs out: accepted requests/s (P1, P4). */
  capacity: { connections: number; seconds: number; users: number };
  /** Closed loop on the sold-out coupon: answers/s after the sell-out (P5). */
  soldOut: { connections: number; seconds: number };
  /** How long answers and decisions are awaited after the load stops (the sale's decisions longest: the slow
   * designs must reach their sell-out for the correctness columns to mean anything). */
  answerTimeoutMs: number;
  saleDrainTimeoutMs: number;
  drainTimeoutMs: number;
  /** Issuer drain benchmark: requests preloaded into the topic. */
  drain: { requests: number; coupons: number[] };
}

export const FULL: BenchProfile = {
  sale: { users: 12_000, requests: 20_000, stock: 10_000, burstSeconds: 4 },
  steady: { users: 10_000, requests: 10_000, stock: 10_000, burstSeconds: 5 },
  // More users than a capacity phase sends requests, so that each is a user's first press: a user pressing again is
  // decided without an issue row, which costs Postgres less and would flatter the figures.
  capacity: { connections: 256, seconds: 6, users: 150_000 },
  soldOut: { connections: 256, seconds: 3 },
  answerTimeoutMs: 10_000,
  saleDrainTimeoutMs: 90_000,
  drainTimeoutMs: 15_000,
  drain: { requests: 200_000, coupons: [1, 100] },
};

/** Seconds, not minutes: for trying the harness. */
export const QUICK: BenchProfile = {
  sale: { users: 1_200, requests: 2_000, stock: 1_000, burstSeconds: 1 },
  steady: { users: 1_000, requests: 1_000, stock: 1_000, burstSeconds: 1 },
  capacity: { connections: 64, seconds: 2, users: 10_000 },
  soldOut: { connections: 64, seconds: 1 },
  answerTimeoutMs: 5_000,
  saleDrainTimeoutMs: 20_000,
  drainTimeoutMs: 10_000,
  drain: { requests: 20_000, coupons: [1, 100] },
};
