import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, crowd } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F11 an API instance SIGKILLed mid-flood", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F11 API killed", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("decides every request either API answered 202; the unanswered ones have at most one final status", async () => {
    const couponId = await system.createCoupon({ stock: 1_500 });
    const sale = system.sale(crowd("f11", couponId, 2_000, 3_000), { perSecond: 300, concurrency: 150 });
    await sale.answered(900);
    system.note("SIGKILL api-2");
    await system.expectEnd(system.apis[1]!).kill();

    const observed = await sale.done;
    const fromKilled = countBy(
      observed.filter((o) => o.api === 1),
      (o) => o.status,
    );
    expect(fromKilled["202"], "the killed API accepted requests before it died").toBeGreaterThan(0);
    expect(fromKilled["0"], "and left requests unanswered").toBeGreaterThan(0);
    const row = await system.check({ couponIds: [couponId], observed });
    expect(row.violations).toEqual([]);
  });
});
