import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

const LIMIT = 10;

describe("a flood from one user across two API instances", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "rate limit, 2 APIs", apis: 2, issuers: 1, apiEnv: { RATE_LIMIT_PER_USER_PER_SECOND: String(LIMIT) } });
  });
  afterAll(async () => system?.stop());

  it("is held to one shared limit (Redis), not one per instance, and leaves everyone else alone", async () => {
    const couponId = await system.createCoupon({ stock: 100 });
    const startedAt = Date.now();
    // 100 requests a second for 3 seconds, every other one through the other API.
    const flood = system.sale(
      Array.from({ length: 300 }, () => ({ userId: "f-flooder", couponId })),
      { perSecond: 100, concurrency: 50 },
    );
    const bystanders = await system.sale(Array.from({ length: 5 }, (_, i) => ({ userId: `f-bystander-${i}`, couponId }))).done;
    const observed = await flood.done;
    const elapsedMs = Date.now() - startedAt;

    const byStatus = countBy(observed, (o) => o.status);
    const passed = observed.filter((o) => o.status !== 429).length;
    // Fixed one-second windows: a run of `elapsed` touches at most floor(elapsed) + 2 of them. One count per
    // instance would let through about twice LIMIT per window.
    expect(passed, JSON.stringify(byStatus)).toBeLessThanOrEqual(LIMIT * (Math.floor(elapsedMs / 1000) + 2));
    expect(passed).toBeGreaterThanOrEqual(LIMIT);
    expect(new Set(observed.filter((o) => o.status === 429).map((o) => o.api))).toEqual(new Set([0, 1]));
    expect(new Set(observed.filter((o) => o.status === 429).map((o) => o.code))).toEqual(new Set(["RATE_LIMITED"]));
    expect(bystanders.map((o) => o.status)).toEqual([202, 202, 202, 202, 202]);

    const row = await system.check({ couponIds: [couponId], observed: [...observed, ...bystanders] });
    expect(row.violations).toEqual([]);
  });
});
