import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd, interleave } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F2 one user sends 1,000 parallel requests during a flash sale", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F2 one user x1000", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("issues that user exactly one coupon", async () => {
    const couponId = await system.createCoupon({ stock: 1_500 });
    const solo = Array.from({ length: 1_000 }, () => ({ userId: "f2-eager", couponId }));
    const observed = await system.sale(interleave([solo, crowd("f2", couponId, 1_000)]), { concurrency: 300 }).done;
    const row = await system.check({ couponIds: [couponId], observed });
    expect(row.violations).toEqual([]);
    expect(await system.prisma.couponIssue.count({ where: { couponId, userId: "f2-eager" } })).toBe(1);
    const decided = await system.prisma.issueDecision.groupBy({ by: ["decision"], where: { couponId, userId: "f2-eager" }, _count: { _all: true } });
    expect(Object.fromEntries(decided.map((d) => [d.decision, d._count._all]))).toEqual({
      ISSUED: 1,
      DUPLICATE: observed.filter((o) => o.userId === "f2-eager" && o.status === 202).length - 1,
    });
  });
});
