import { randomBytes, randomUUID } from "node:crypto";
import { applyMigrations, createPrismaClient, toPublishedLottery, WITH_DRAW_RECORD } from "@dibs/db";
import { throwawayDatabase } from "@dibs/db/testing";
import { drawSeed, drawWinners, entrantsHash, seedHash } from "@dibs/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LotterySecretSeal } from "../src/adapters/lottery-secret-seal.ts";
import { PrismaCouponAdmin } from "../src/adapters/prisma-coupon-admin.ts";

const db = throwawayDatabase("api_lottery");
const prisma = createPrismaClient(db.url);
const key = randomBytes(32).toString("hex");
const admin = new PrismaCouponAdmin(prisma, new LotterySecretSeal(key));
const lottery = { name: "lottery", mode: "LOTTERY" as const, stock: 2, perUserLimit: 1, startsAt: null, endsAt: null };

beforeAll(() => applyMigrations(db.url), 30_000);
afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

async function enter(couponId: string, userIds: string[]): Promise<void> {
  await prisma.lotteryEntry.createMany({ data: userIds.map((userId) => ({ couponId, userId, requestId: randomUUID(), acceptedAt: new Date() })) });
}

/** Entries from five users, then the lottery closed. */
async function closedLottery(): Promise<string> {
  const { id } = await admin.create(lottery, "ops");
  await enter(id, ["é", "zoe", "Zed", "amy", "bob"]);
  await admin.control(id, "close", "ops", new Date());
  return id;
}

describe("a lottery's secret in Postgres", { timeout: 30_000 }, () => {
  it("is held only sealed until the draw, while its hash is published from the creation", async () => {
    const { id } = await admin.create(lottery, "ops");
    const kept = await prisma.lotterySecret.findUniqueOrThrow({ where: { couponId: id } });
    expect(kept.secret).toBeNull();
    expect(kept.sealedSecret).toMatch(/^v1\./);
    const secret = new LotterySecretSeal(key).open(id, kept.sealedSecret!);
    expect(kept.sealedSecret).not.toContain(secret);

    const view = await admin.lottery(id);
    expect(view).toMatchObject({ seedHash: seedHash(secret), secret: null, entrantsHash: null, seed: null, drawnAt: null });
    const audit = await prisma.adminAudit.findMany({ where: { couponId: id }, select: { before: true, after: true } });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it("is revealed by the draw, with the entrants' hash and the seed derived from both: anyone can re-run it", async () => {
    const id = await closedLottery();
    const drawn = (await admin.draw(id, "ops", new Date()))!;

    expect(seedHash(drawn.secret!)).toBe(drawn.seedHash);
    expect(drawn.entrants).toHaveLength(5);
    expect(entrantsHash(drawn.entrants)).toBe(drawn.entrantsHash);
    expect(drawSeed(drawn.secret!, drawn.entrantsHash!)).toBe(drawn.seed);
    expect(drawWinners(drawn.entrants, drawn.seed!, 2)).toEqual(drawn.winners);

    const row = await prisma.coupon.findUniqueOrThrow({ where: { id }, include: WITH_DRAW_RECORD });
    expect(toPublishedLottery(row)).toEqual({
      seedHash: drawn.seedHash,
      draw: { drawnAt: drawn.drawnAt, secret: drawn.secret, entrantsHash: drawn.entrantsHash, seed: drawn.seed, entrants: 5, winners: 2 },
    });
    expect(await admin.draw(id, "ops", new Date())).toEqual(drawn);
  });

  it("of a lottery created before secrets were sealed is the clear one, and its draw derives the seed too", async () => {
    const id = randomUUID();
    const secret = "legacy-seed";
    await prisma.coupon.create({ data: { id, name: "legacy", mode: "LOTTERY", stock: 2, seedHash: seedHash(secret) } });
    await prisma.lotterySecret.create({ data: { couponId: id, secret } });
    await enter(id, ["a", "b", "c"]);
    await admin.control(id, "close", "ops", new Date());

    const drawn = (await admin.draw(id, "ops", new Date()))!;
    expect(drawn.secret).toBe(secret);
    expect(drawn.seed).toBe(drawSeed(secret, entrantsHash(["a", "b", "c"])));
    expect(drawWinners(["a", "b", "c"], drawn.seed!, 2)).toEqual(drawn.winners);
  });

  it("cannot be made or opened without the API's key, nor with another key", async () => {
    await expect(new PrismaCouponAdmin(prisma, null).create(lottery, "ops")).rejects.toMatchObject({ code: "LOTTERY_KEY_UNAVAILABLE" });
    const id = await closedLottery();
    await expect(new PrismaCouponAdmin(prisma, null).draw(id, "ops", new Date())).rejects.toMatchObject({ code: "LOTTERY_KEY_UNAVAILABLE" });
    const otherKey = new PrismaCouponAdmin(prisma, new LotterySecretSeal(randomBytes(32).toString("hex")));
    await expect(otherKey.draw(id, "ops", new Date())).rejects.toMatchObject({ code: "LOTTERY_KEY_UNAVAILABLE" });
    expect((await admin.lottery(id))?.drawnAt).toBeNull();
  });

  it("sealed for one lottery does not open for another, and one that does not match the published hash is not drawn", async () => {
    const [first, second] = [await closedLottery(), await closedLottery()];
    const { sealedSecret } = await prisma.lotterySecret.findUniqueOrThrow({ where: { couponId: first } });
    await prisma.lotterySecret.update({ where: { couponId: second }, data: { sealedSecret } });
    await expect(admin.draw(second, "ops", new Date())).rejects.toMatchObject({ code: "LOTTERY_KEY_UNAVAILABLE" });

    await prisma.coupon.update({ where: { id: first }, data: { seedHash: seedHash("another secret") } });
    await expect(admin.draw(first, "ops", new Date())).rejects.toThrow("does not match the seedHash it published");
    expect((await admin.lottery(first))?.drawnAt).toBeNull();
  });
});
