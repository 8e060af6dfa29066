import { Redis } from "ioredis";
import pg from "pg";
import type { IssueStrategy } from "./baseline-app.ts";
import { cachedStock } from "./coupon-stock.ts";
import { inTransaction } from "./issue-one.ts";

const COUPONS = "bench:zset:coupons";
const BATCH_INTERVAL_MS = 1_000;

function keys(couponId: string) {
  const tag = `bench:zset:{coupon:${couponId}}`;
  return { queue: `${tag}:queue`, requests: `${tag}:requests`, duplicates: `${tag}:duplicates`, issuedUpTo: `${tag}:issued-up-to` };
}

/**
 * Seed design 3, the API's half: `ZADD NX` the user with the time as score, `ZRANK` against the stock.
 * Inside the stock the request is accepted and left to the batch job; beyond it the answer is sold out.
 */
export function redisZsetBatch(databaseUrl: string, redisUrl: string): IssueStrategy {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const redis = new Redis(redisUrl);
  const stockOf = cachedStock(pool);
  return {
    async issue(ask) {
      const stock = await stockOf(ask.couponId);
      if (stock === null) return { status: 404, code: "COUPON_NOT_FOUND" };
      const k = keys(ask.couponId);
      const accepted = `${ask.requestId}|${ask.acceptedAt.getTime()}`;
      const results = await redis
        .pipeline()
        .zadd(k.queue, "NX", ask.acceptedAt.getTime(), ask.userId)
        .zrank(k.queue, ask.userId)
        .hsetnx(k.requests, ask.userId, accepted)
        .sadd(COUPONS, ask.couponId)
        .exec();
      const [[, added], [, rank]] = results as [[null, number], [null, number]];
      if (rank >= stock) return { status: 409, code: "COUPON_SOLD_OUT" };
      if (added === 0) await redis.rpush(k.duplicates, `${accepted}|${ask.userId}`);
      return { status: 202, decision: "PENDING" };
    },
    async close() {
      await pool.end();
      redis.disconnect();
    },
  };
}

/** Seed design 3, the batch job: every second, issue the next ranks inside the stock to Postgres in one transaction. */
export function startZsetBatchJob(databaseUrl: string, redisUrl: string, log: (message: string) => void): { stop(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const redis = new Redis(redisUrl);
  const stockOf = cachedStock(pool);
  let running = true;
  const loop = (async () => {
    while (running) {
      const began = Date.now();
      try {
        for (const couponId of await redis.smembers(COUPONS)) await issueBatch(couponId);
      } catch (error) {
        log(`batch job failed: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, BATCH_INTERVAL_MS - (Date.now() - began))));
    }
  })();

  async function issueBatch(couponId: string): Promise<void> {
    const stock = await stockOf(couponId);
    if (stock === null) return;
    const k = keys(couponId);
    const from = Number((await redis.get(k.issuedUpTo)) ?? 0);
    const winners = from < stock ? await redis.zrange(k.queue, from, stock - 1) : [];
    const accepted = winners.length > 0 ? await redis.hmget(k.requests, ...winners) : [];
    const duplicates = ((await redis.lpop(k.duplicates, 100_000)) ?? []).map((d) => d.split("|"));
    if (winners.length === 0 && duplicates.length === 0) return;
    const issued = winners.map((userId, i) => {
      const [requestId, at] = accepted[i]!.split("|");
      return { userId, requestId: requestId!, acceptedAt: new Date(Number(at)) };
    });
    await inTransaction(pool, async (client) => {
      if (issued.length > 0) {
        const inserted = await client.query<{ request_id: string }>(
          `INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id)
           SELECT $1, user_id, 1, request_id FROM unnest($2::text[], $3::uuid[]) AS input(user_id, request_id)
           ON CONFLICT DO NOTHING RETURNING request_id::text`,
          [couponId, issued.map((i) => i.userId), issued.map((i) => i.requestId)],
        );
        const fresh = new Set(inserted.rows.map((r) => r.request_id));
        const mine = issued.filter((i) => fresh.has(i.requestId));
        await client.query("UPDATE coupon SET issued_count = issued_count + $2 WHERE id = $1", [couponId, mine.length]);
        await client.query(
          `INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, holding, accepted_at)
           SELECT request_id, $1, user_id, 'ISSUED', 1, accepted_at
           FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS input(request_id, user_id, accepted_at)`,
          [couponId, mine.map((i) => i.requestId), mine.map((i) => i.userId), mine.map((i) => i.acceptedAt)],
        );
      }
      if (duplicates.length > 0) {
        await client.query(
          `INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, holding, accepted_at)
           SELECT request_id, $1, user_id, 'DUPLICATE', 1, to_timestamp(at / 1000.0)
           FROM unnest($2::uuid[], $3::text[], $4::float8[]) AS input(request_id, user_id, at)`,
          [couponId, duplicates.map((d) => d[0]!), duplicates.map((d) => d[2]!), duplicates.map((d) => Number(d[1]))],
        );
      }
    });
    await redis.set(k.issuedUpTo, from + winners.length);
  }

  return {
    async stop() {
      running = false;
      await loop;
      await pool.end();
      redis.disconnect();
    },
  };
}
