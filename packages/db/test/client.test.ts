import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createPrismaClient, Decision, Prisma } from "../src/index.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";

describe("createPrismaClient", () => {
  const db = throwawayDatabase("client");
  const prisma = createPrismaClient(db.url, { poolSize: 2 });

  beforeAll(() => applyMigrations(db.url));
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it("creates and reads a coupon", async () => {
    const id = randomUUID();
    const startsAt = new Date("2026-01-01T00:00:00.000Z");

    await prisma.coupon.create({ data: { id, name: "Opening day", stock: 100, startsAt } });

    expect(await prisma.coupon.findUnique({ where: { id } })).toMatchObject({
      id,
      name: "Opening day",
      stock: 100,
      issuedCount: 0,
      startsAt,
      endsAt: null,
    });
  });

  it("records decisions with the Decision enum", async () => {
    const coupon = await prisma.coupon.create({ data: { id: randomUUID(), name: "Decided", stock: 1 } });
    const requestId = randomUUID();

    await prisma.issueDecision.create({
      data: { requestId, couponId: coupon.id, userId: "user-1", decision: Decision.SOLD_OUT, acceptedAt: new Date() },
    });

    expect(await prisma.issueDecision.findUniqueOrThrow({ where: { requestId } })).toMatchObject({
      decision: "SOLD_OUT",
      reason: null,
    });
  });

  it("reports a second issue to the same user as a unique violation (P2002)", async () => {
    const coupon = await prisma.coupon.create({ data: { id: randomUUID(), name: "Once each", stock: 5 } });
    const issue = () => prisma.couponIssue.create({ data: { couponId: coupon.id, userId: "user-1", requestId: randomUUID() } });
    await issue();

    const error = await issue().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(error).toMatchObject({ code: "P2002" });
  });
});
