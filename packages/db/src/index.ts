export { createPrismaClient, type PrismaClientOptions } from "./client.ts";
export { applyMigrations, DatabaseUnreachableError, type MigrationLog } from "./migrate.ts";
export { Prisma, PrismaClient, type Coupon, type CouponIssue, type CouponPause, type IssueDecision } from "./generated/prisma/client.ts";
export { Decision } from "./generated/prisma/enums.ts";
export { toCoupon, WITH_PAUSES } from "./coupon-row.ts";
export { toPublishedLottery, WITH_DRAW_RECORD } from "./lottery-row.ts";
export { PrismaIssueStore } from "./prisma-issue-store.ts";
