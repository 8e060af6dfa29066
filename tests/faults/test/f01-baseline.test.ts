import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, crowd } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F1 baseline: a flash sale through 2 APIs and 3 issuers, no fault", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F1 baseline", apis: 2, issuers: 3 });
  });
  afterAll(async () => system?.stop());

  it("issues exactly the stock, once per user, and decides every accepted request", async () => {
    const couponId = await system.createCoupon({ stock: 300 });
    const observed = await system.sale(crowd("f1", couponId, 1_000, 2_000), { concurrency: 100, perSecond: 500 }).done;
    expect(Object.keys(countBy(observed, (o) => o.status)).sort()).toEqual(["202", "409"].filter((s) => observed.some((o) => String(o.status) === s)));
    const row = await system.check({ couponIds: [couponId], observed });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(300);
  });
});
