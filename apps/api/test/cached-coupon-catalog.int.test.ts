import { randomBytes, randomUUID } from "node:crypto";
import { gateKeys } from "@dibs/contracts";
import { applyMigrations, createPrismaClient } from "@dibs/db";
import { throwawayDatabase } from "@dibs/db/testing";
import { seedHash } from "@dibs/domain";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedCouponCatalog } from "../src/adapters/cached-coupon-catalog.ts";
import { LotterySecretSeal } from "../src/adapters/lottery-secret-seal.ts";
import { PrismaCouponAdmin } from "../src/adapters/prisma-coupon-admin.ts";

const db = throwawayDatabase("api_catalog");
const prisma = createPrismaClient(db.url);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");
const admin = new PrismaCouponAdmin(prisma, new LotterySecretSeal(randomBytes(32).toString("hex")));
const catalog = new CachedCouponCatalog(prisma, redis, { couponTtlMs: 60_000, soldOutTtlMs: 60_000, staleIfErrorMs: 60_000 }, pino({ level: "silent" }));

beforeAll(() => applyMigrations(db.url), 30_000);
afterAll(async () => {
  await prisma.$disconnect();
  redis.disconnect();
  await db.drop();
});

describe("the API's coupon catalog, over Postgres and the gate", { timeout: 30_000 }, () => {
  it("serves a coupon from memory, read once per expiry rather than once per call, with the gate's count when it is ahead", async () => {
    const { id } = await admin.create({ name: "Before", mode: "FIRST_COME", stock: 10, perUserLimit: 1, startsAt: null, endsAt: null }, "ops");
    await redis.hset(gateKeys(id).meta, "issued", "4");
    expect(await catalog.find(id)).toMatchObject({ name: "Before", lottery: null });
    await prisma.coupon.update({ where: { id }, data: { name: "After" } });
    await redis.hset(gateKeys(id).meta, "issued", "6");

    expect(await catalog.find(id)).toMatchObject({ name: "Before" });
    expect(await catalog.issued(id)).toBe(4);
    catalog.forget(id);
    expect(await catalog.find(id)).toMatchObject({ name: "After" });
    expect(await catalog.issued(id)).toBe(6);
    await redis.del(gateKeys(id).meta);
  });

  it("carries a lottery's seedHash, and its draw once made; never a secret before", async () => {
    const { id } = await admin.create({ name: "Draw", mode: "LOTTERY", stock: 1, perUserLimit: 1, startsAt: null, endsAt: null }, "ops");
    const committed = (await admin.lottery(id))!.seedHash;
    expect((await catalog.find(id))?.lottery).toEqual({ seedHash: committed, draw: null });

    await prisma.lotteryEntry.create({ data: { couponId: id, userId: "amy", requestId: randomUUID(), acceptedAt: new Date() } });
    await admin.control(id, "close", "ops", new Date());
    const drawn = (await admin.draw(id, "ops", new Date()))!;
    catalog.forget(id);
    expect((await catalog.find(id))?.lottery).toEqual({
      seedHash: committed,
      draw: { drawnAt: drawn.drawnAt, secret: drawn.secret, entrantsHash: drawn.entrantsHash, seed: drawn.seed, entrants: 1, winners: 1 },
    });
  });

  it("does not publish the clear secret of a lottery created before secrets were sealed", async () => {
    const id = randomUUID();
    await prisma.coupon.create({ data: { id, name: "legacy", mode: "LOTTERY", stock: 1, seedHash: seedHash("legacy-secret") } });
    await prisma.lotterySecret.create({ data: { couponId: id, secret: "legacy-secret" } });
    const coupon = await catalog.find(id);
    expect(coupon?.lottery).toEqual({ seedHash: seedHash("legacy-secret"), draw: null });
    expect(JSON.stringify(coupon)).not.toContain("legacy-secret");
  });
});
