import { randomBytes } from "node:crypto";
import pg from "pg";

// The server under test; each test file gets its own database on it.
const SERVER_URL = process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

/** A URL for a database that does not exist yet; `drop` removes it, whoever is still connected. */
export function throwawayDatabase(purpose: string): { url: string; drop: () => Promise<void> } {
  const name = `dibs_test_${purpose}_${randomBytes(4).toString("hex")}`;
  return {
    url: withDatabase(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: withDatabase("postgres") });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

function withDatabase(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
