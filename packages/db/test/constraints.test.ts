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

  describe("decisions and issues name an existing coupon", () => {
    const insertDecisions = (db: pg.Client, couponIds: string[]) =>
      db.query(
        `INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, accepted_at)
         SELECT gen_random_uuid(), c, 'user-' || n, 'SOLD_OUT', now() FROM unnest($1::uuid[]) WITH ORDINALITY AS t(c, n)`,
        [couponIds],
      );
    const count = async (table: string, couponId: string) =>
      Number((await client.query(`SELECT count(*) AS n FROM ${table} WHERE coupon_id = $1`, [couponId])).rows[0].n);

    it("refuses a statement of which one row names no coupon, and keeps none of its rows", async () => {
      const couponId = await insertCoupon({ stock: 10 });
      const unknown = randomUUID();

      await expect(insertDecisions(client, [couponId, couponId, unknown])).rejects.toMatchObject({ code: "23503" });
      await expect(
        client.query(`INSERT INTO coupon_issue (coupon_id, user_id, request_id) VALUES ($1, 'user-1', gen_random_uuid()), ($2, 'user-2', gen_random_uuid())`, [
          couponId,
          unknown,
        ]),
      ).rejects.toMatchObject({ code: "23503" });
      expect(await count("issue_decision", couponId)).toBe(0);
      expect(await count("coupon_issue", couponId)).toBe(0);
    });

    it("keeps a coupon that decisions or issues name from being deleted or renamed; one that none name goes", async () => {
      const decided = await insertCoupon({ stock: 10 });
      await insertDecisions(client, [decided]);
      const issued = await insertCoupon({ stock: 10 });
      await insertIssue(issued, "user-1", randomUUID());
      const unused = await insertCoupon({ stock: 10 });

      await expect(client.query(`DELETE FROM coupon WHERE id = $1`, [decided])).rejects.toMatchObject({ code: "23503" });
      await expect(client.query(`DELETE FROM coupon WHERE id = $1`, [issued])).rejects.toMatchObject({ code: "23503" });
      await expect(client.query(`UPDATE coupon SET id = gen_random_uuid() WHERE id = $1`, [issued])).rejects.toMatchObject({ code: "23503" });
      await expect(client.query(`UPDATE issue_decision SET coupon_id = $1 WHERE coupon_id = $2`, [randomUUID(), decided])).rejects.toMatchObject({
        code: "23503",
      });
      expect((await client.query(`DELETE FROM coupon WHERE id = $1`, [unused])).rowCount).toBe(1);
    });

    /** Two sessions of their own, for one transaction to wait on the other's. */
    const inTwoSessions = async (both: (inserter: pg.Client, deleter: pg.Client) => Promise<void>) => {
      const [inserter, deleter] = [new pg.Client({ connectionString: db.url }), new pg.Client({ connectionString: db.url })];
      await inserter.connect();
      await deleter.connect();
      try {
        await both(inserter, deleter);
      } finally {
        await inserter.end();
        await deleter.end();
      }
    };

    it("makes a delete of the coupon wait for an insert naming it, and then refuses the delete", async () => {
      const couponId = await insertCoupon({ stock: 10 });
      await inTwoSessions(async (inserter, deleter) => {
        await inserter.query("BEGIN");
        await insertDecisions(inserter, [couponId]);
        const deleting = deleter.query(`DELETE FROM coupon WHERE id = $1`, [couponId]).then(
          () => "deleted",
          (error: { code?: string }) => error.code,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await inserter.query("COMMIT");

        expect(await deleting).toBe("23503");
        expect(await count("issue_decision", couponId)).toBe(1);
      });
    });

    it("makes an insert wait for a delete of its coupon under way, and then refuses the insert", async () => {
      const couponId = await insertCoupon({ stock: 10 });
      await inTwoSessions(async (inserter, deleter) => {
        await deleter.query("BEGIN");
        await deleter.query(`DELETE FROM coupon WHERE id = $1`, [couponId]);
        const inserting = insertDecisions(inserter, [couponId]).then(
          () => "inserted",
          (error: { code?: string }) => error.code,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await deleter.query("COMMIT");

        expect(await inserting).toBe("23503");
        expect(await count("issue_decision", couponId)).toBe(0);
      });
    });
  });
});
