import { gateKeys } from "@dibs/contracts";
import { applyMigrations, type PrismaClient } from "@dibs/db";
import type { Redis } from "ioredis";

/**
 * A clean slate in the bench's own database (migrated, emptied) and no Redis keys of earlier bench runs:
 * the gate's keys of every coupon the database still names, and the baselines' `bench:*` keys.
 */
export async function prepareStores(databaseUrl: string, prisma: PrismaClient, redis: Redis): Promise<void> {
  await applyMigrations(databaseUrl);
  const coupons = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM coupon`;
  for (let i = 0; i < coupons.length; i += 500) {
    const keys = coupons.slice(i, i + 500).flatMap(({ id }) => Object.values(gateKeys(id)));
    await redis.del(...keys);
  }
  for await (const keys of redis.scanStream({ match: "bench:*", count: 1_000 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
  // Decisions and issues name their coupon through triggers, not foreign keys: CASCADE would not reach them.
  await prisma.$executeRawUnsafe("TRUNCATE coupon, issue_decision, coupon_issue, admin_audit CASCADE");
}
