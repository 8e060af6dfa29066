import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd } from "../src/load.ts";
import { sleep } from "../src/processes.ts";
import { withRedisUnreachable } from "../src/services.ts";
import { FaultSystem } from "../src/system.ts";

describe("F9 Redis unreachable for 10 s mid-sale", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F9 Redis unreachable", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("decides nothing around the gate while it is gone, and drains after", async () => {
    const couponId = await system.createCoupon({ stock: 1_500 });
    const sale = system.sale(crowd("f9", couponId, 2_000, 3_000), { perSecond: 200 });
    await sale.answered(700);
    const decidedDuring: number[] = [];
    system.note("SIGSTOP redis-server");
    await withRedisUnreachable(async () => {
      // A batch that was past the gate when Redis froze may still land; after that, nothing.
      await sleep(2_000);
      decidedDuring.push(await system.prisma.issueDecision.count({ where: { couponId } }));
      await sleep(8_000);
      decidedDuring.push(await system.prisma.issueDecision.count({ where: { couponId } }));
    });
    const healedAt = Date.now();
    system.note("SIGCONT redis-server");

    expect(decidedDuring[1], "decisions recorded while the gate was unreachable").toBe(decidedDuring[0]);
    const row = await system.check({ couponIds: [couponId], observed: await sale.done, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_500);
  });
});
