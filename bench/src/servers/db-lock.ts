import pg from "pg";
import type { IssueStrategy } from "./baseline-app.ts";
import { issueOne } from "./issue-one.ts";

/** Seed design 1: one transaction per request, serialized by `SELECT … FOR UPDATE` on the coupon row. */
export function dbLock(databaseUrl: string): IssueStrategy {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  return {
    issue: (ask) => issueOne(pool, ask, true),
    close: () => pool.end(),
  };
}
