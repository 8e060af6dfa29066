import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd } from "../src/load.ts";
import { sleep } from "../src/processes.ts";
import { FaultSystem } from "../src/system.ts";

const SESSION_TIMEOUT_MS = 10_000;

describe("F5 issuers scaled 1 -> 3 -> 1 under load, one paused past its session timeout", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F5 scale and fencing", apis: 2, issuers: 1 });
  });
  afterAll(async () => system?.stop());

  it("rebalances without losing or doubling anything, and the paused issuer's late work changes nothing", async () => {
    const couponId = await system.createCoupon({ stock: 2_000 });
    const sale = system.sale(crowd("f5", couponId, 3_000, 4_500), { perSecond: 150 });

    await sale.answered(600);
    system.note("scaling 1 -> 3");
    const [second, third] = await Promise.all([system.startIssuer(), system.startIssuer()]);
    await sale.answered(1_500);
    // Whichever issuer holds the hot partition is frozen mid-work, past its session timeout, then let go.
    const frozen = system.issuers[0]!;
    system.note(`SIGSTOP ${frozen.name}`);
    frozen.signal("SIGSTOP");
    await sleep(SESSION_TIMEOUT_MS + 4_000);
    frozen.signal("SIGCONT");
    system.note(`SIGCONT ${frozen.name}`);
    await sale.answered(3_200);
    system.note("scaling 3 -> 1");
    await Promise.all([system.expectEnd(second!).stop(), system.expectEnd(third!).stop()]);
    const healedAt = Date.now();

    const row = await system.check({ couponIds: [couponId], observed: await sale.done, healedAt, drainBoundMs: 90_000 });
    expect(row.violations).toEqual([]);
    expect(frozen.alive).toBe(true);
    expect([second!.alive, third!.alive]).toEqual([false, false]);
  });
});
