import { applyMigrations, DatabaseUnreachableError } from "./migrate.ts";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/dibs";
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

try {
  const applied = await applyMigrations(databaseUrl, (message) => console.log(message));
  console.log(applied.length === 0 ? "Database is up to date." : `Applied ${applied.length} migration(s).`);
} catch (error) {
  if (error instanceof DatabaseUnreachableError) {
    console.error(error.message);
    console.error("Start PostgreSQL (see infra/) or set DATABASE_URL to a server you can reach, then run `pnpm --filter @dibs/db migrate` again.");
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exitCode = 1;
}
