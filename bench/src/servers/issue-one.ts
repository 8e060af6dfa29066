import type pg from "pg";
import type { IssueAnswer, IssueAsk } from "./baseline-app.ts";

/**
 * One request decided in one transaction, the way the seed's first two designs do it: read the coupon
 * (`FOR UPDATE` when the row lock is what serializes requests), count the user's issues, insert, count up.
 * Plain `pg`, no ORM: each baseline gets its best shot.
 */
export function issueOne(pool: pg.Pool, ask: IssueAsk, lockRow: boolean): Promise<IssueAnswer> {
  return inTransaction(pool, (client) => issueIn(client, ask, lockRow));
}

async function issueIn(client: pg.PoolClient, ask: IssueAsk, lockRow: boolean): Promise<IssueAnswer> {
  const { rows } = await client.query<CouponRow>(`SELECT stock, issued_count, per_user_limit FROM coupon WHERE id = $1${lockRow ? " FOR UPDATE" : ""}`, [
    ask.couponId,
  ]);
  const coupon = rows[0];
  if (!coupon) return { status: 404, code: "COUPON_NOT_FOUND" };
  const held = (
    await client.query<{ held: number }>("SELECT count(*)::int AS held FROM coupon_issue WHERE coupon_id = $1 AND user_id = $2", [ask.couponId, ask.userId])
  ).rows[0]!.held;
  let decision: string;
  let holding: number | null = null;
  if (held >= coupon.per_user_limit) {
    decision = "DUPLICATE";
    holding = held;
  } else if (coupon.issued_count >= coupon.stock) {
    decision = "SOLD_OUT";
  } else {
    decision = "ISSUED";
    holding = held + 1;
    await client.query("INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id) VALUES ($1, $2, $3, $4)", [
      ask.couponId,
      ask.userId,
      holding,
      ask.requestId,
    ]);
    await client.query("UPDATE coupon SET issued_count = issued_count + 1 WHERE id = $1", [ask.couponId]);
  }
  await recordDecision(client, ask, decision, holding);
  return { status: 202, decision };
}

export async function recordDecision(client: pg.ClientBase | pg.Pool, ask: IssueAsk, decision: string, holding: number | null): Promise<void> {
  await client.query(
    `INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, holding, accepted_at) VALUES ($1, $2, $3, $4::"Decision", $5, $6)`,
    [ask.requestId, ask.couponId, ask.userId, decision, holding, ask.acceptedAt],
  );
}

/** BEGIN … COMMIT around `work` on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

interface CouponRow {
  stock: number;
  issued_count: number;
  per_user_limit: number;
}
