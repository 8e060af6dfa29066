import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, PRISMA_MIGRATIONS_DIR } from "../src/migrate.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";

const SEALED_FROM = "20261202090000_sealed_lottery_secret";

describe("the sealed lottery secret migration, over lotteries created with a clear seed", () => {
  const db = throwawayDatabase("lottery_secret");
  const client = new pg.Client({ connectionString: db.url });
  const drawn = randomUUID();
  const undrawn = randomUUID();
  let before: string;

  beforeAll(async () => {
    before = await mkdtemp(join(tmpdir(), "dibs-migrations-before-"));
    for (const name of (await readdir(PRISMA_MIGRATIONS_DIR)).filter((n) => n < SEALED_FROM)) {
      await cp(join(PRISMA_MIGRATIONS_DIR, name), join(before, name), { recursive: true });
    }
    await applyMigrations(db.url, () => {}, before);
    await client.connect();
    for (const [id, drawnAt] of [
      [drawn, new Date("2026-11-30T10:00:00Z")],
      [undrawn, null],
    ] as const) {
      await client.query(`INSERT INTO coupon (id, name, stock, mode, seed_hash, drawn_at) VALUES ($1, 'legacy', 1, 'LOTTERY', $2, $3)`, [
        id,
        "ab".repeat(32),
        drawnAt,
      ]);
      await client.query(`INSERT INTO lottery_seed (coupon_id, seed, revealed_at) VALUES ($1, $2, $3)`, [id, `seed-of-${id.slice(0, 8)}`, drawnAt]);
      for (const userId of ["u1", "u2", "u3"]) {
        await client.query(`INSERT INTO lottery_entry (coupon_id, user_id, request_id, accepted_at) VALUES ($1, $2, $3, now())`, [id, userId, randomUUID()]);
      }
    }
    expect(await applyMigrations(db.url)).toContain(SEALED_FROM);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
    await rm(before, { recursive: true, force: true });
  });

  const kept = async (couponId: string) => (await client.query(`SELECT * FROM lottery_secret WHERE coupon_id = $1`, [couponId])).rows[0];

  it("keeps a drawn lottery's record: its seed was its secret, and it has no entrants' hash", async () => {
    expect(await kept(drawn)).toMatchObject({
      secret: `seed-of-${drawn.slice(0, 8)}`,
      draw_seed: `seed-of-${drawn.slice(0, 8)}`,
      entrants_hash: null,
      entrant_count: 3,
      sealed_secret: null,
    });
  });

  it("keeps an undrawn lottery's clear secret, to be drawn like any other", async () => {
    expect(await kept(undrawn)).toMatchObject({ secret: `seed-of-${undrawn.slice(0, 8)}`, sealed_secret: null, draw_seed: null, revealed_at: null });
  });

  it("refuses a sealed secret kept in clear too before the draw, and a reveal without the draw's record", async () => {
    const id = randomUUID();
    await client.query(`INSERT INTO coupon (id, name, stock, mode, seed_hash) VALUES ($1, 'new', 1, 'LOTTERY', $2)`, [id, "cd".repeat(32)]);
    await expect(client.query(`INSERT INTO lottery_secret (coupon_id, secret, sealed_secret) VALUES ($1, 'clear', 'v1.a.b.c')`, [id])).rejects.toMatchObject({
      constraint: "lottery_secret_sealed_until_drawn",
    });
    await expect(client.query(`INSERT INTO lottery_secret (coupon_id) VALUES ($1)`, [id])).rejects.toMatchObject({ constraint: "lottery_secret_kept" });
    await client.query(`INSERT INTO lottery_secret (coupon_id, sealed_secret) VALUES ($1, 'v1.a.b.c')`, [id]);
    await expect(client.query(`UPDATE lottery_secret SET revealed_at = now() WHERE coupon_id = $1`, [id])).rejects.toMatchObject({
      constraint: "lottery_secret_revealed_with_its_draw",
    });
  });
});
