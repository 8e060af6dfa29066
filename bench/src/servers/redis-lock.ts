import { Redis } from "ioredis";
import pg from "pg";
import type { IssueStrategy } from "./baseline-app.ts";
import { issueOne } from "./issue-one.ts";

const LOCK_TTL_MS = 3_000;
const GIVE_UP_AFTER_MS = 10_000;
/** A waiter asks again after 10–30 ms: a spin lock, as in the seed report. */
const RETRY_MIN_MS = 10;
const RETRY_JITTER_MS = 20;

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** Seed design 2: a Redis lock per coupon (`SET NX PX`, retried) around the same transaction, without the row lock. */
export function redisLock(databaseUrl: string, redisUrl: string): IssueStrategy {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  const redis = new Redis(redisUrl);
  return {
    async issue(ask) {
      const key = `bench:redis-lock:{coupon:${ask.couponId}}`;
      const deadline = Date.now() + GIVE_UP_AFTER_MS;
      while ((await redis.set(key, ask.requestId, "PX", LOCK_TTL_MS, "NX")) !== "OK") {
        if (Date.now() > deadline) return { status: 503, code: "LOCK_TIMEOUT" };
        await new Promise((resolve) => setTimeout(resolve, RETRY_MIN_MS + Math.random() * RETRY_JITTER_MS));
      }
      try {
        return await issueOne(pool, ask, false);
      } finally {
        await redis.eval(RELEASE, 1, key, ask.requestId);
      }
    },
    async close() {
      await pool.end();
      redis.disconnect();
    },
  };
}
