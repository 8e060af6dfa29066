import { gateKeys } from "@dibs/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd } from "../src/load.ts";
import { within } from "../src/processes.ts";
import { FaultSystem } from "../src/system.ts";

describe("F4 an issuer SIGKILLed after the Redis gate decided, before Postgres recorded it; then random kills", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F4 kill after gate", apis: 2, issuers: 0 });
  });
  afterAll(async () => system?.stop());

  it("decides the redelivered batch the same way at the gate and records it once", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const faulty = system.expectEnd(await system.startIssuer({ DIBS_FAULT_POINT: "after-gate", DIBS_FAULT_AFTER_BATCHES: "4" }));
    const sale = system.sale(crowd("f4", couponId, 1_500, 3_600), { perSecond: 300 });

    const exit = await within("the fault point to kill the issuer", faulty.exit, 60_000);
    expect(exit.signal).toBe("SIGKILL");
    const atGate = await system.redis.hkeys(gateKeys(couponId).decisions);
    const inPostgres = await system.prisma.issueDecision.count({ where: { requestId: { in: atGate } } });
    expect(atGate.length - inPostgres, "the gate decided a batch that Postgres never recorded").toBeGreaterThan(0);
    const [first] = await Promise.all([system.startIssuer(), system.startIssuer()]);

    // And a kill at a moment nobody chose, while the replacements work through the backlog.
    await sale.answered(Math.floor(1_800 + Math.random() * 900));
    await system.expectEnd(first).kill();
    await system.startIssuer();
    const healedAt = Date.now();

    const row = await system.check({ couponIds: [couponId], observed: await sale.done, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_000);
  });
});
