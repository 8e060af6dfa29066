import { randomUUID } from "node:crypto";
import type { CouponLedger, DecidedRequest, Decision } from "@dibs/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createPrismaClient, PrismaIssueStore } from "../src/index.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";

const db = throwawayDatabase("store");
const prisma = createPrismaClient(db.url);
const store = new PrismaIssueStore(prisma);
beforeAll(() => applyMigrations(db.url));
afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

async function aCoupon(stock: number, perUserLimit = 1) {
  return prisma.coupon.create({ data: { id: randomUUID(), name: "store test", stock, perUserLimit } });
}

function decided(couponId: string, userId: string, decision: Decision, holding?: number): DecidedRequest {
  const verdict = decision === "ISSUED" || decision === "DUPLICATE" ? { holding: holding ?? 1 } : {};
  return { requestId: randomUUID(), couponId, userId, decision, acceptedAt: new Date(), ...verdict };
}

/** Records as the issuer does, under the gate generation a coupon starts with (no rebuild yet). */
function record(batch: readonly DecidedRequest[]) {
  return store.record({ decided: batch, gateEpochs: new Map(batch.map((d) => [d.couponId, 0])) });
}

describe("PrismaIssueStore", () => {
  it("records decisions and issues, and advances the count, in one go", async () => {
    const coupon = await aCoupon(2);
    const batch = [
      decided(coupon.id, "a", "ISSUED"),
      decided(coupon.id, "a", "DUPLICATE"),
      decided(coupon.id, "b", "ISSUED"),
      decided(coupon.id, "c", "SOLD_OUT"),
    ];
    const outcome = await record(batch);
    expect(outcome.conflicts).toEqual([]);
    expect(outcome.recorded.map((r) => r.decision)).toEqual(["ISSUED", "DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect((await prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).issuedCount).toBe(2);
    expect(await prisma.couponIssue.count({ where: { couponId: coupon.id } })).toBe(2);
    expect(await prisma.issueDecision.count({ where: { couponId: coupon.id } })).toBe(4);
  });

  it("records a replayed batch once, and answers with the first decisions", async () => {
    const coupon = await aCoupon(1);
    const batch = [decided(coupon.id, "a", "ISSUED"), decided(coupon.id, "b", "SOLD_OUT")];
    await record(batch);
    const again = await record(batch);
    expect(again.conflicts).toEqual([]);
    expect(again.recorded.map((r) => r.decision)).toEqual(["ISSUED", "SOLD_OUT"]);
    expect((await prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).issuedCount).toBe(1);
  });

  it("refuses, writing nothing, a second issue to the same user", async () => {
    const coupon = await aCoupon(5);
    await record([decided(coupon.id, "a", "ISSUED")]);
    const outcome = await record([decided(coupon.id, "b", "ISSUED"), decided(coupon.id, "a", "ISSUED")]);
    expect(outcome.conflicts).toEqual([coupon.id]);
    expect(await prisma.couponIssue.count({ where: { couponId: coupon.id } })).toBe(1);
    expect(await prisma.issueDecision.count({ where: { couponId: coupon.id } })).toBe(1);
  });

  it("refuses, writing nothing, issues beyond the stock", async () => {
    const coupon = await aCoupon(2);
    const outcome = await record(["a", "b", "c"].map((u) => decided(coupon.id, u, "ISSUED")));
    expect(outcome.conflicts).toEqual([coupon.id]);
    expect((await prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).issuedCount).toBe(0);
    expect(await prisma.couponIssue.count({ where: { couponId: coupon.id } })).toBe(0);
  });

  it("flags a gate that changed its mind about a recorded request", async () => {
    const coupon = await aCoupon(2);
    const first = decided(coupon.id, "a", "SOLD_OUT");
    await record([first]);
    const outcome = await record([{ ...first, decision: "ISSUED" }]);
    expect(outcome.conflicts).toEqual([coupon.id]);
    expect(await prisma.couponIssue.count({ where: { couponId: coupon.id } })).toBe(0);
  });

  it("keeps one coupon's conflict from writing another coupon's decisions in the same batch", async () => {
    const full = await aCoupon(1);
    const open = await aCoupon(10);
    await record([decided(full.id, "a", "ISSUED")]);
    const outcome = await record([decided(open.id, "x", "ISSUED"), decided(full.id, "b", "ISSUED")]);
    expect(outcome.conflicts).toEqual([full.id]);
    expect(await prisma.issueDecision.count({ where: { couponId: open.id } })).toBe(0);
  });

  it("numbers a user's issues up to the coupon's per-user limit, and no further", async () => {
    const coupon = await aCoupon(10, 2);
    const ok = await record([decided(coupon.id, "a", "ISSUED", 1), decided(coupon.id, "a", "ISSUED", 2)]);
    expect(ok.conflicts).toEqual([]);
    const third = await record([decided(coupon.id, "a", "ISSUED", 3)]);
    expect(third.conflicts).toEqual([coupon.id]);
    const again = await record([decided(coupon.id, "a", "ISSUED", 2)]);
    expect(again.conflicts).toEqual([coupon.id]);
    const rows = await prisma.couponIssue.findMany({ where: { couponId: coupon.id }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.userId, r.seq])).toEqual([
      ["a", 1],
      ["a", 2],
    ]);
    const ledger = await store.ledger(coupon.id);
    expect(await holdingsOf(ledger!)).toEqual([{ userId: "a", count: 2 }]);
  });

  it("records user ids of any characters as they are", async () => {
    const coupon = await aCoupon(10);
    const users = ['quo"te', "back\\slash", "{brace},comma", "NULL", " spaced ", "김민준", "🎟️"];
    expect((await record(users.map((u) => decided(coupon.id, u, "ISSUED")))).conflicts).toEqual([]);
    const rows = await prisma.couponIssue.findMany({ where: { couponId: coupon.id }, select: { userId: true } });
    expect(rows.map((r) => r.userId).sort()).toEqual([...users].sort());
  });

  it("gives the ledger a gate is rebuilt from", async () => {
    const coupon = await aCoupon(3);
    const batch = [decided(coupon.id, "a", "ISSUED"), decided(coupon.id, "b", "ISSUED"), decided(coupon.id, "a", "DUPLICATE")];
    await record(batch);
    const ledger = await store.ledger(coupon.id);
    expect(ledger?.coupon).toMatchObject({ id: coupon.id, stock: 3, issuedCount: 2 });
    expect((await holdingsOf(ledger!)).sort((x, y) => x.userId.localeCompare(y.userId))).toEqual([
      { userId: "a", count: 1 },
      { userId: "b", count: 1 },
    ]);
    expect(await store.ledger(randomUUID())).toBeNull();
  });

  it("gives a coupon's holders a bounded page at a time, every one of them once", async () => {
    const users = Array.from({ length: 12_345 }, (_, i) => `holder-${i}`);
    const coupon = await aCoupon(users.length);
    await record(users.map((u) => decided(coupon.id, u, "ISSUED")));
    const pages: number[] = [];
    const seen = new Set<string>();
    for await (const page of (await store.ledger(coupon.id))!.holdings()) {
      pages.push(page.length);
      for (const h of page) seen.add(h.userId);
    }
    expect(Math.max(...pages)).toBeLessThanOrEqual(5_000);
    expect(pages.length).toBeGreaterThan(1);
    expect(seen.size).toBe(users.length);
  });

  it("finds which requests it has decided, and how", async () => {
    const coupon = await aCoupon(1);
    const [first, second] = [decided(coupon.id, "a", "ISSUED"), decided(coupon.id, "b", "SOLD_OUT")];
    await record([first]);
    const found = await store.findDecided([first.requestId, second.requestId]);
    expect([...found.keys()]).toEqual([first.requestId]);
    expect(found.get(first.requestId)).toMatchObject({ couponId: coupon.id, userId: "a", decision: "ISSUED", holding: 1 });
  });

  it("reads a batch's coupons, every field and pause as Prisma maps them, and its decided requests, in one go", async () => {
    const startsAt = new Date("2026-12-01T09:00:00.123Z");
    const coupon = await prisma.coupon.create({
      data: {
        id: randomUUID(),
        name: 'a "quoted" name',
        stock: 3,
        perUserLimit: 2,
        startsAt,
        endsAt: new Date("2026-12-01T10:00:00.000Z"),
        prequeueSeconds: 600,
        pauses: {
          create: [
            { pausedAt: new Date("2026-12-01T09:30:00.000Z"), resumedAt: null },
            { pausedAt: new Date("2026-12-01T09:10:00.000Z"), resumedAt: new Date("2026-12-01T09:20:00.500Z") },
          ],
        },
      },
    });
    const plain = await aCoupon(1);
    const issued = decided(plain.id, "a", "ISSUED");
    await record([issued]);
    const unknown = randomUUID();

    const read = await store.readBatch([coupon.id, plain.id, unknown], [issued.requestId, randomUUID()]);

    expect([...read.coupons.keys()].sort()).toEqual([coupon.id, plain.id].sort());
    expect(read.coupons.get(coupon.id)).toEqual((await store.ledger(coupon.id))!.coupon);
    expect(read.coupons.get(coupon.id)!.pauses.map((p) => p.pausedAt.toISOString())).toEqual(["2026-12-01T09:10:00.000Z", "2026-12-01T09:30:00.000Z"]);
    expect(read.coupons.get(plain.id)).toEqual((await store.ledger(plain.id))!.coupon);
    expect([...read.decided.values()]).toEqual([issued]);
  });
});

async function holdingsOf(ledger: CouponLedger) {
  const all = [];
  for await (const page of ledger.holdings()) all.push(...page);
  return all;
}

describe("PrismaIssueStore, a batch large enough to be written in two halves side by side", () => {
  const LARGE = 3_000;
  const users = (prefix: string) => Array.from({ length: LARGE }, (_, i) => `${prefix}-${i}`);
  const issuedCount = async (couponId: string) => (await prisma.coupon.findUniqueOrThrow({ where: { id: couponId } })).issuedCount;

  it("records it all and counts it once, and records a replay of it once", async () => {
    const coupon = await aCoupon(LARGE);
    const batch = users("u").map((u) => decided(coupon.id, u, "ISSUED"));
    expect((await record(batch)).conflicts).toEqual([]);
    expect(await issuedCount(coupon.id)).toBe(LARGE);
    const again = await record(batch);
    expect(again.conflicts).toEqual([]);
    expect(again.recorded).toHaveLength(LARGE);
    expect(await issuedCount(coupon.id)).toBe(LARGE);
    expect(await prisma.couponIssue.count({ where: { couponId: coupon.id } })).toBe(LARGE);
  });

  it("writes nothing when the earlier half is refused", async () => {
    const coupon = await aCoupon(LARGE + 1);
    await record([decided(coupon.id, "u-0", "ISSUED")]);
    const outcome = await record(users("u").map((u) => decided(coupon.id, u, "ISSUED")));
    expect(outcome.conflicts).toEqual([coupon.id]);
    expect(await issuedCount(coupon.id)).toBe(1);
    expect(await prisma.issueDecision.count({ where: { couponId: coupon.id } })).toBe(1);
  });

  it("when only the later half is refused, keeps the earlier half, counted, and none of the later", async () => {
    const coupon = await aCoupon(LARGE + 1);
    await record([decided(coupon.id, `u-${LARGE - 1}`, "ISSUED")]);
    const batch = users("u").map((u) => decided(coupon.id, u, "ISSUED"));
    const outcome = await record(batch);
    expect(outcome.conflicts).toEqual([coupon.id]);
    const recorded = await prisma.issueDecision.findMany({ where: { couponId: coupon.id }, select: { requestId: true } });
    const earlier = new Set(batch.slice(0, LARGE / 2).map((d) => d.requestId));
    expect(recorded.filter((r) => earlier.has(r.requestId))).toHaveLength(LARGE / 2);
    expect(recorded.filter((r) => !earlier.has(r.requestId))).toHaveLength(1);
    expect(await issuedCount(coupon.id)).toBe(await prisma.couponIssue.count({ where: { couponId: coupon.id } }));
    const rest = await record(batch.slice(0, LARGE - 1));
    expect(rest.conflicts).toEqual([]);
    expect(await issuedCount(coupon.id)).toBe(LARGE);
  });

  it("never counts past the stock, whichever half would pass it", async () => {
    const coupon = await aCoupon(LARGE - 10);
    const outcome = await record(users("u").map((u) => decided(coupon.id, u, "ISSUED")));
    expect(outcome.conflicts).toEqual([coupon.id]);
    expect(await issuedCount(coupon.id)).toBe(await prisma.couponIssue.count({ where: { couponId: coupon.id } }));
    expect(await issuedCount(coupon.id)).toBeLessThanOrEqual(LARGE - 10);
  });
});

describe("PrismaIssueStore, gate generations", () => {
  const underEpoch = (batch: readonly DecidedRequest[], epoch: number) => ({ decided: batch, gateEpochs: new Map(batch.map((d) => [d.couponId, epoch])) });

  it("advances the generation for each rebuild, and reading the ledger does not", async () => {
    const coupon = await aCoupon(5);
    expect((await store.ledger(coupon.id))?.epoch).toBe(0);
    expect((await store.ledgerForRebuild(coupon.id))?.epoch).toBe(1);
    expect((await store.ledgerForRebuild(coupon.id))?.epoch).toBe(2);
    expect((await store.ledger(coupon.id))?.epoch).toBe(2);
    expect(await store.ledgerForRebuild(randomUUID())).toBeNull();
  });

  it.each([
    ["a small batch", 3],
    ["a batch written in two halves", 3_000],
  ])("refuses %s decided by a gate rebuilt since, and writes none of it", async (_, size) => {
    const coupon = await aCoupon(size * 2);
    const { epoch } = (await store.ledgerForRebuild(coupon.id))!;
    const batch = Array.from({ length: size }, (_, i) => decided(coupon.id, `g-${i}`, "ISSUED"));
    await store.ledgerForRebuild(coupon.id);
    expect(await store.record(underEpoch(batch, epoch))).toEqual({ conflicts: [], staleGates: [coupon.id], recorded: [] });
    expect(await prisma.issueDecision.count({ where: { couponId: coupon.id } })).toBe(0);
    expect((await prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).issuedCount).toBe(0);
    expect((await store.record(underEpoch(batch, epoch + 1))).conflicts).toEqual([]);
  });

  it("refuses a stale generation even when nothing is issued, and on the careful path too", async () => {
    const coupon = await aCoupon(1);
    await record([decided(coupon.id, "first", "ISSUED")]);
    const soldOut = [decided(coupon.id, "late", "SOLD_OUT")];
    await store.ledgerForRebuild(coupon.id);
    expect((await store.record(underEpoch(soldOut, 0))).staleGates).toEqual([coupon.id]);
    const replayAndMore = [...soldOut, decided(coupon.id, "later", "SOLD_OUT")];
    expect((await store.record(underEpoch(replayAndMore, 1))).conflicts).toEqual([]);
    expect((await store.record(underEpoch(replayAndMore, 0))).staleGates).toEqual([coupon.id]);
  });

  it("takes a REJECTED decision without a generation, and refuses a gate's decision without one", async () => {
    const coupon = await aCoupon(1);
    const rejected = { ...decided(coupon.id, "out", "REJECTED"), reason: "COUPON_ENDED" as const };
    expect((await store.record({ decided: [rejected] })).conflicts).toEqual([]);
    await expect(store.record({ decided: [decided(coupon.id, "x", "ISSUED")] })).rejects.toThrow(/without the generation/);
  });
});

describe("PrismaIssueStore, lottery entries", () => {
  const entry = (couponId: string, userId: string) => ({ requestId: randomUUID(), couponId, userId, acceptedAt: new Date() });
  const aLottery = () => prisma.coupon.create({ data: { id: randomUUID(), name: "lottery", mode: "LOTTERY", stock: 1, seedHash: "ab".repeat(32) } });

  it("enters each user once, a second entry DUPLICATE", async () => {
    const lottery = await aLottery();
    const outcome = await store.record({ decided: [], entries: [entry(lottery.id, "a"), entry(lottery.id, "b"), entry(lottery.id, "a")] });
    expect(outcome.recorded.map((r) => [r.userId, r.decision])).toEqual([["a", "DUPLICATE"]]);
    expect(await prisma.lotteryEntry.count({ where: { couponId: lottery.id } })).toBe(2);
  });

  it("rejects an entry into a lottery drawn already (COUPON_ENDED), and does not enter it", async () => {
    const lottery = await aLottery();
    await prisma.coupon.update({ where: { id: lottery.id }, data: { drawnAt: new Date() } });
    const outcome = await store.record({ decided: [], entries: [entry(lottery.id, "a")] });
    expect(outcome.recorded).toMatchObject([{ userId: "a", decision: "REJECTED", reason: "COUPON_ENDED" }]);
    expect(await prisma.lotteryEntry.count({ where: { couponId: lottery.id } })).toBe(0);
  });

  it("waits for a draw under way and then rejects the entry, rather than entering it after the draw read the entries", async () => {
    const lottery = await aLottery();
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const drawHoldsTheRow = new Promise<void>((resolve) => (locked = resolve));
    const draw = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM coupon WHERE id = ${lottery.id}::uuid FOR UPDATE`;
      locked();
      await released;
      await tx.coupon.update({ where: { id: lottery.id }, data: { drawnAt: new Date() } });
    });
    await drawHoldsTheRow;
    const recording = store.record({ decided: [], entries: [entry(lottery.id, "late")] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await draw;

    expect((await recording).recorded).toMatchObject([{ userId: "late", decision: "REJECTED", reason: "COUPON_ENDED" }]);
    expect(await prisma.lotteryEntry.count({ where: { couponId: lottery.id } })).toBe(0);
  });
});
