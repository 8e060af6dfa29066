import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, crowd } from "../src/load.ts";
import { sleep } from "../src/processes.ts";
import { withPostgresDown } from "../src/services.ts";
import { FaultSystem } from "../src/system.ts";

describe("F10 Postgres stopped with -m immediate mid-batch, then restarted", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F10 Postgres down", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("retries the batches it could not record, skips none, and converges once Postgres is back", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const sale = system.sale(crowd("f10", couponId, 1_500, 3_000), { perSecond: 250 });
    await sale.answered(800);
    system.note("stopping Postgres -m immediate");
    await withPostgresDown(() => sleep(5_000));
    const healedAt = Date.now();
    system.note("Postgres back");

    const observed = await sale.done;
    // While Postgres was down the APIs could not read the coupon: 503, never a wrong 202.
    expect(Object.keys(countBy(observed, (o) => o.status)).every((s) => ["202", "409", "503"].includes(s))).toBe(true);
    const row = await system.check({ couponIds: [couponId], observed, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_000);
  });
});
