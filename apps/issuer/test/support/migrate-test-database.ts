import { applyMigrations } from "@dibs/db";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test";

export default async function setup(): Promise<void> {
  await applyMigrations(TEST_DATABASE_URL);
}
