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

  it("goes on accepting requests for cached coupons, records them all once Postgres is back, and skips none", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const sale = system.sale(crowd("f10", couponId, 1_500, 3_000), { perSecond: 250 });
    await sale.answered(800);
    system.note("stopping Postgres -m immediate");
    await withPostgresDown(() => sleep(5_000));
    const healedAt = Date.now();
    system.note("Postgres back");

    const observed = await sale.done;
    // Kafka is the buffer: the APIs serve the coupon as last read and accept into it; the issuers decide once Postgres is back.
    const answers = countBy(observed, (o) => o.status);
    console.log(`F10: answers while and around Postgres being down: ${JSON.stringify(answers)}`);
    system.note(`answers: ${JSON.stringify(answers)}`);
    expect(
      Object.keys(answers).every((s) => ["202", "409"].includes(s)),
      "no 503 for a coupon the APIs had read",
    ).toBe(true);
    const row = await system.check({ couponIds: [couponId], observed, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_000);
  });
});
