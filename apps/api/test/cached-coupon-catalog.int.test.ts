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

describe("the catalog while a coupon is reloaded", { timeout: 30_000 }, () => {
  const quick = { couponTtlMs: 50, soldOutTtlMs: 50 };

  it("answers from the value loaded before: no request waits for the reload", async () => {
    const catalog = new CachedCouponCatalog(prisma, redis, { ...quick, staleIfErrorMs: 60_000 }, pino({ level: "silent" }));
    const { id } = await renamedAfterFirstRead(catalog);

    const reloadHeld = await holdCouponReads();
    const found = await within(1_000, catalog.find(id));
    await reloadHeld.release();

    expect(found).toMatchObject({ name: "Before" });
    await expect.poll(async () => (await catalog.find(id))?.name, { timeout: 5_000 }).toBe("After");
  });

  it("does not serve a value older than staleIfErrorMs while it reloads: that request waits for the read", async () => {
    const catalog = new CachedCouponCatalog(prisma, redis, { ...quick, staleIfErrorMs: 200 }, pino({ level: "silent" }));
    const { id } = await renamedAfterFirstRead(catalog);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const reloadHeld = await holdCouponReads();
    const pending = catalog.find(id);
    const early = await within(500, pending);
    await reloadHeld.release();

    expect(early).toBe("still waiting");
    expect(await pending).toMatchObject({ name: "After" });
  });
});

/** A coupon read once by the catalog as "Before", then renamed "After" in Postgres, and the catalog's entry expired. */
async function renamedAfterFirstRead(catalog: CachedCouponCatalog): Promise<{ id: string }> {
  const { id } = await admin.create({ name: "Before", mode: "FIRST_COME", stock: 10, perUserLimit: 1, startsAt: null, endsAt: null }, "ops");
  expect(await catalog.find(id)).toMatchObject({ name: "Before" });
  await prisma.coupon.update({ where: { id }, data: { name: "After" } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { id };
}

/** Holds every read of the coupon table (an exclusive lock in a transaction of its own) until released. */
async function holdCouponReads(): Promise<{ release: () => Promise<void> }> {
  const locker = createPrismaClient(db.url);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const transaction = locker.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("LOCK TABLE coupon IN ACCESS EXCLUSIVE MODE");
      locked();
      await released;
    },
    { timeout: 20_000 },
  );
  await isLocked;
  return {
    release: async () => {
      release();
      await transaction;
      await locker.$disconnect();
    },
  };
}

async function within<T>(ms: number, work: Promise<T>): Promise<T | "still waiting"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still waiting">((resolve) => (timer = setTimeout(() => resolve("still waiting"), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
