import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { tlsAdvice } from "./tls-advice.ts";

export type MigrationLog = (message: string) => void;

export const PRISMA_MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

// Prisma Migrate's own advisory lock key: holding it keeps this runner, its
// other instances and `prisma migrate deploy` from ever interleaving.
const PRISMA_MIGRATE_LOCK_KEY = 72707369;
const CONNECT_TIMEOUT_MS = 10_000;

// The history table exactly as Prisma's schema engine creates it, so Prisma
// tooling reads what this runner records.
const CREATE_HISTORY_TABLE = `
  CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
  )`;

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export class DatabaseUnreachableError extends Error {
  readonly databaseUrl: string;

  constructor(databaseUrl: string, cause: unknown) {
    super(`Could not connect to the database at ${redactPassword(databaseUrl)}: ${describe(cause)}`, { cause });
    this.databaseUrl = databaseUrl;
    this.name = "DatabaseUnreachableError";
  }
}

/**
 * Brings the database up to date with prisma/migrations, recording each
 * migration in `_prisma_migrations` the way `prisma migrate deploy` does.
 * Creates the database if it does not exist. Returns the names it applied.
 */
export async function applyMigrations(databaseUrl: string, log: MigrationLog = () => {}, migrationsDir: string = PRISMA_MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(migrationsDir);
  const client = await connectCreatingDatabase(databaseUrl, log);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    await client.query(CREATE_HISTORY_TABLE);
    const pending = pendingMigrations(migrations, await readHistory(client));
    for (const migration of pending) {
      await applyMigration(client, migration);
      log(`applied migration ${migration.name}`);
    }
    return pending.map((migration) => migration.name);
  } finally {
    // Ending the session releases the advisory lock.
    await client.end();
  }
}

async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(migrationsDir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    }),
  );
}

async function readHistory(client: pg.Client): Promise<HistoryRow[]> {
  const result = await client.query<HistoryRow>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`);
  return result.rows;
}

function pendingMigrations(migrations: Migration[], history: HistoryRow[]): Migration[] {
  const failed = history.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} started earlier but never finished. Check the database by hand, then mark it with ` +
        `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` (or \`--applied\`) before migrating again.`,
    );
  }
  const appliedChecksums = new Map(history.filter((row) => row.rolled_back_at === null).map((row) => [row.migration_name, row.checksum]));
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const appliedChecksum = appliedChecksums.get(migration.name);
    if (appliedChecksum === undefined) {
      pending.push(migration);
    } else if (appliedChecksum !== migration.checksum) {
      throw new Error(
        `Migration ${migration.name} was applied with checksum ${appliedChecksum}, but its migration.sql now has checksum ` +
          `${migration.checksum}. An applied migration must not be edited: restore the file and add a new migration instead.`,
      );
    }
  }
  return pending;
}

async function applyMigration(client: pg.Client, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    // A rollback that fails means the connection is gone, which also undoes the transaction.
    await client.query("ROLLBACK").catch(() => undefined);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${describe(error)}`, { cause: error });
  }
}

async function connectCreatingDatabase(databaseUrl: string, log: MigrationLog): Promise<pg.Client> {
  try {
    return await connect(databaseUrl);
  } catch (error) {
    if (sqlState(error) !== "3D000") throw new DatabaseUnreachableError(databaseUrl, error);
  }
  await createDatabase(databaseUrl, log);
  try {
    return await connect(databaseUrl);
  } catch (error) {
    throw new DatabaseUnreachableError(databaseUrl, error);
  }
}

async function createDatabase(databaseUrl: string, log: MigrationLog): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  let client: pg.Client;
  try {
    client = await connect(url.toString());
  } catch (error) {
    throw new DatabaseUnreachableError(url.toString(), error);
  }
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    log(`created database ${name}`);
  } catch (error) {
    // Another process created it first: a duplicate_database, or a unique_violation when both raced in the catalog.
    if (sqlState(error) !== "42P04" && sqlState(error) !== "23505") throw error;
  } finally {
    await client.end();
  }
}

async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  return client;
}

function sqlState(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const advice = tlsAdvice(error);
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const what = error.message || sqlState(error) || error.name;
  return advice ? `${what}: ${advice}` : what;
}

function redactPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
