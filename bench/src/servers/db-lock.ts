import { createPrismaClient } from "@dibs/db";
import type { IssueStrategy } from "./baseline-app.ts";
import { issueOne } from "./issue-one.ts";

/** Seed design 1: one transaction per request, serialized by `SELECT … FOR UPDATE` on the coupon row. */
export function dbLock(databaseUrl: string): IssueStrategy {
  const prisma = createPrismaClient(databaseUrl, { poolSize: 20 });
  return {
    issue: (ask) => issueOne(prisma, ask, true),
    close: () => prisma.$disconnect(),
  };
}
