export { createPrismaClient, type PrismaClientOptions } from "./client.ts";
export { toCoupon, WITH_PAUSES } from "./coupon-row.ts";
export { type Coupon, type CouponIssue, type CouponPause, type IssueDecision, Prisma, PrismaClient } from "./generated/prisma/client.ts";
export { Decision } from "./generated/prisma/enums.ts";
export { toPublishedLottery, WITH_DRAW_RECORD } from "./lottery-row.ts";
export { applyMigrations, DatabaseUnreachableError, type MigrationLog } from "./migrate.ts";
export { PrismaIssueStore } from "./prisma-issue-store.ts";
