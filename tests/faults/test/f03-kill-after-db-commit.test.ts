import { consumerLag } from "@dibs/ops";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd } from "../src/load.ts";
import { within } from "../src/processes.ts";
import { FaultSystem } from "../src/system.ts";

describe("F3 an issuer SIGKILLed after its Postgres commit, before its offset commit", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F3 kill after DB commit", apis: 2, issuers: 0 });
  });
  afterAll(async () => system?.stop());

  it("redelivers the committed batch to the next issuer, which changes nothing: still exactly once", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const faulty = system.expectEnd(await system.startIssuer({ DIBS_FAULT_POINT: "after-db-commit", DIBS_FAULT_AFTER_BATCHES: "4" }));
    const sale = system.sale(crowd("f3", couponId, 1_500, 3_000), { perSecond: 300 });

    const exit = await within("the fault point to kill the issuer", faulty.exit, 60_000);
    expect(exit.signal).toBe("SIGKILL");
    const behind = (await consumerLag(system.admin, system.groupId)).reduce((sum, p) => sum + p.lag, 0);
    expect(behind, "the killed issuer's last batch is committed in Postgres but not in Kafka").toBeGreaterThan(0);

    await Promise.all([system.startIssuer(), system.startIssuer()]);
    const healedAt = Date.now();
    const row = await system.check({ couponIds: [couponId], observed: await sale.done, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_000);
  });
});
