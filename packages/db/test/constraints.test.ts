import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../src/migrate.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";

describe("database constraints", () => {
  const db = throwawayDatabase("constraints");
  const client = new pg.Client({ connectionString: db.url });

  beforeAll(async () => {
    await applyMigrations(db.url);
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const insertCoupon = async (values: { stock: number; issuedCount?: number; startsAt?: Date; endsAt?: Date }) => {
    const id = randomUUID();
    await client.query(`INSERT INTO coupon (id, name, stock, issued_count, starts_at, ends_at) VALUES ($1, 'test coupon', $2, $3, $4, $5)`, [
      id,
      values.stock,
      values.issuedCount ?? 0,
      values.startsAt ?? null,
      values.endsAt ?? null,
    ]);
    return id;
  };
  const insertIssue = (couponId: string, userId: string, requestId: string) =>
    client.query(`INSERT INTO coupon_issue (coupon_id, user_id, request_id) VALUES ($1, $2, $3)`, [couponId, userId, requestId]);

  it("refuses a negative stock", async () => {
    await expect(insertCoupon({ stock: -1 })).rejects.toMatchObject({ code: "23514" });
  });

  it("refuses issuing more than the stock", async () => {
    const id = await insertCoupon({ stock: 1, issuedCount: 1 });

    await expect(client.query(`UPDATE coupon SET issued_count = issued_count + 1 WHERE id = $1`, [id])).rejects.toMatchObject({
      code: "23514",
      constraint: "coupon_issued_count_within_stock",
    });
  });

  it("refuses a negative issued count", async () => {
    await expect(insertCoupon({ stock: 1, issuedCount: -1 })).rejects.toMatchObject({
      code: "23514",
      constraint: "coupon_issued_count_within_stock",
    });
  });

  it("refuses a campaign that ends before it starts, but allows open-ended ones", async () => {
    const startsAt = new Date("2026-01-02T00:00:00Z");

    await expect(insertCoupon({ stock: 1, startsAt, endsAt: startsAt })).rejects.toMatchObject({
      code: "23514",
      constraint: "coupon_ends_after_starts",
    });
    await expect(insertCoupon({ stock: 1, startsAt })).resolves.toBeTypeOf("string");
    await expect(insertCoupon({ stock: 1, endsAt: startsAt })).resolves.toBeTypeOf("string");
  });

  it("numbers a user's issues of a coupon: each number at most once", async () => {
    const couponId = await insertCoupon({ stock: 10 });
    await insertIssue(couponId, "user-1", randomUUID());

    await expect(insertIssue(couponId, "user-1", randomUUID())).rejects.toMatchObject({
      code: "23505",
      constraint: "coupon_issue_coupon_id_user_id_seq_key",
    });
  });

  it("records an issue request at most once", async () => {
    const couponId = await insertCoupon({ stock: 10 });
    const requestId = randomUUID();
    await insertIssue(couponId, "user-1", requestId);

    await expect(insertIssue(couponId, "user-2", requestId)).rejects.toMatchObject({
      code: "23505",
      constraint: "coupon_issue_request_id_key",
    });
  });
});
