import { randomUUID } from "node:crypto";
import { gateKeys } from "@dibs/contracts";
import { applyMigrations, createPrismaClient, PrismaIssueStore } from "@dibs/db";
import { RedisIssueGate } from "@dibs/gate";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile, repair } from "../src/reconcile.ts";

const databaseUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test";
const prisma = createPrismaClient(databaseUrl);
const store = new PrismaIssueStore(prisma);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");
const gate = new RedisIssueGate(redis);

beforeAll(() => applyMigrations(databaseUrl));
afterAll(async () => {
  await prisma.$disconnect();
  redis.disconnect();
});

async function issuedCoupon() {
  const coupon = await prisma.coupon.create({ data: { id: randomUUID(), name: "reconcile", stock: 5 } });
  const decided = ["a", "b", "c"].map((userId) => ({
    requestId: randomUUID(),
    couponId: coupon.id,
    userId,
    acceptedAt: new Date(),
    decision: "ISSUED" as const,
    holding: 1,
  }));
  await store.record({ decided, gateEpochs: new Map([[coupon.id, 0]]) });
  await gate.rebuild((await store.ledgerForRebuild(coupon.id))!);
  return coupon.id;
}

describe("reconcile and repair", () => {
  it("finds nothing when Redis agrees with Postgres", async () => {
    const couponId = await issuedCoupon();
    const report = await reconcile(store, gate, couponId);
    expect(report?.differences).toEqual([]);
    expect(report?.postgres).toMatchObject({ issued: 3, holders: 3 });
    expect(report?.redis).toMatchObject({ present: true, issued: 3, holders: 3, inFlight: 0 });
  });

  it("finds a deliberately broken Redis state, and --repair rebuilds it from Postgres", async () => {
    const couponId = await issuedCoupon();
    const keys = gateKeys(couponId);
    await redis.hset(keys.meta, "issued", 2);
    await redis.hdel(keys.holdings, "b");
    await redis.hset(keys.holdings, "mallory", 1);
    const broken = await reconcile(store, gate, couponId);
    expect(broken?.differences).toEqual(["issued: Redis 2, Postgres 3", "holding of b: Redis 0, Postgres 1", "holding of mallory: Redis 1, Postgres 0"]);
    const repaired = await repair(store, gate, couponId);
    expect(repaired?.repaired).toHaveLength(3);
    expect(repaired?.remaining).toEqual([]);
    expect(await redis.exists(keys.fence)).toBe(0);
  });

  it("says so when Redis lost the coupon's state", async () => {
    const couponId = await issuedCoupon();
    await redis.del(...Object.values(gateKeys(couponId)));
    const report = await reconcile(store, gate, couponId);
    expect(report?.redis.present).toBe(false);
    expect(report?.differences[0]).toContain("no gate state");
  });

  it("answers null for an unknown coupon", async () => {
    expect(await reconcile(store, gate, randomUUID())).toBeNull();
  });
});
