import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, PRISMA_MIGRATIONS_DIR } from "../src/migrate.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function projectMigrations(): Promise<{ name: string; checksum: string }[]> {
  const entries = await readdir(PRISMA_MIGRATIONS_DIR, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(PRISMA_MIGRATIONS_DIR, name, "migration.sql"));
      return { name, checksum: createHash("sha256").update(bytes).digest("hex") };
    }),
  );
}

interface HistoryRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

const historyOf = (url: string) => query<HistoryRow>(url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);

describe("applyMigrations on prisma/migrations", () => {
  const db = throwawayDatabase("migrate");
  afterAll(() => db.drop());

  it("creates the database, applies every migration and records it as Prisma does", async () => {
    const expected = await projectMigrations();

    expect(await applyMigrations(db.url)).toEqual(expected.map((migration) => migration.name));

    const history = await historyOf(db.url);
    expect(history).toHaveLength(expected.length);
    history.forEach((row, index) => {
      expect(row).toMatchObject({
        migration_name: expected[index]?.name,
        checksum: expected[index]?.checksum,
        rolled_back_at: null,
        logs: null,
        applied_steps_count: 1,
      });
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    });
    const [tables] = await query<{ coupon: string | null; coupon_issue: string | null; issue_decision: string | null }>(
      db.url,
      `SELECT to_regclass('coupon') AS coupon, to_regclass('coupon_issue') AS coupon_issue,
              to_regclass('issue_decision') AS issue_decision`,
    );
    expect(tables).toEqual({ coupon: "coupon", coupon_issue: "coupon_issue", issue_decision: "issue_decision" });
  });

  it("does nothing when run again", async () => {
    const before = await historyOf(db.url);

    expect(await applyMigrations(db.url)).toEqual([]);

    expect(await historyOf(db.url)).toEqual(before);
  });

  it("refuses a migration whose recorded checksum differs from its file", async () => {
    const [first] = await projectMigrations();
    await query(db.url, `UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, ["0".repeat(64), first?.name]);

    await expect(applyMigrations(db.url)).rejects.toThrow(
      `Migration ${first?.name} was applied with checksum ${"0".repeat(64)}, but its migration.sql now has checksum ${first?.checksum}`,
    );
  });
});

describe("applyMigrations run concurrently", () => {
  const db = throwawayDatabase("migrate_concurrent");
  afterAll(() => db.drop());

  it("creates the database and applies each migration exactly once", async () => {
    const expected = (await projectMigrations()).map((migration) => migration.name);

    const runs = await Promise.all(Array.from({ length: 4 }, () => applyMigrations(db.url)));

    expect(runs.flat()).toEqual(expected);
    expect((await historyOf(db.url)).map((row) => row.migration_name)).toEqual(expected);
  });
});

describe("applyMigrations on a migrations directory that grows", () => {
  const db = throwawayDatabase("migrate_dir");
  let migrationsDir: string;

  const addMigration = async (name: string, sql: string) => {
    await mkdir(join(migrationsDir, name));
    await writeFile(join(migrationsDir, name, "migration.sql"), sql);
  };

  beforeAll(async () => {
    migrationsDir = await mkdtemp(join(tmpdir(), "dibs-migrations-"));
  });
  afterAll(async () => {
    await rm(migrationsDir, { recursive: true, force: true });
    await db.drop();
  });

  it("applies only the new migrations, in name order", async () => {
    await addMigration("20260101000000_a", `CREATE TABLE "a" ("id" INTEGER PRIMARY KEY);`);
    expect(await applyMigrations(db.url, () => {}, migrationsDir)).toEqual(["20260101000000_a"]);

    await addMigration("20260103000000_c", `ALTER TABLE "b" ADD COLUMN "note" TEXT;`);
    await addMigration("20260102000000_b", `CREATE TABLE "b" ("id" INTEGER PRIMARY KEY);`);
    const logged: string[] = [];

    expect(await applyMigrations(db.url, (message) => logged.push(message), migrationsDir)).toEqual(["20260102000000_b", "20260103000000_c"]);
    expect(logged).toEqual(["applied migration 20260102000000_b", "applied migration 20260103000000_c"]);
  });

  it("rolls a failing migration back entirely and records nothing", async () => {
    await addMigration("20260104000000_broken", `CREATE TABLE "d" ("id" INTEGER); SELECT 1 / 0;`);

    await expect(applyMigrations(db.url, () => {}, migrationsDir)).rejects.toThrow(
      "Migration 20260104000000_broken failed and was rolled back: division by zero",
    );

    const [table] = await query<{ d: string | null }>(db.url, `SELECT to_regclass('d') AS d`);
    expect(table?.d).toBeNull();
    expect((await historyOf(db.url)).map((row) => row.migration_name)).not.toContain("20260104000000_broken");
    await rm(join(migrationsDir, "20260104000000_broken"), { recursive: true });
  });

  it("refuses to continue past a migration Prisma left unfinished", async () => {
    await query(db.url, `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`, [
      randomUUID(),
      "0".repeat(64),
      "20260105000000_half_done",
    ]);

    await expect(applyMigrations(db.url, () => {}, migrationsDir)).rejects.toThrow("Migration 20260105000000_half_done started earlier but never finished");
  });
});
