import { readFileSync } from "node:fs";
import { gateKeys } from "@dibs/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd, type Observed } from "../src/load.ts";
import { restartRedis } from "../src/services.ts";
import { FaultSystem } from "../src/system.ts";

describe("F8 Redis loses the gate's state mid-load", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F8 Redis flush and restart", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("rebuilds the gate from Postgres before deciding, after a FLUSHDB and after a restart", async () => {
    const couponId = await system.createCoupon({ stock: 1_500 });
    // Slow enough that the coupon is still selling when Redis comes back: the restart must cost a rebuild too.
    const sale = system.sale(crowd("f8", couponId, 2_000, 3_000), { perSecond: 200 });
    await sale.answered(400);
    system.note("FLUSHDB");
    await system.redis.flushdb();
    await sale.answered(900);
    system.note("restarting Redis");
    const restartedFrom = Date.now();
    await restartRedis();
    const healedAt = Date.now();
    system.note("Redis back");

    const row = await system.check({ couponIds: [couponId], observed: await sale.done, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(1_500);
    const logs = system.issuers.map((i) => readFileSync(i.logFile, "utf8")).join("\n");
    const rebuiltAt = logs
      .split("\n")
      .filter((line) => line.includes("gate state rebuilt from Postgres") && line.includes(couponId))
      .map((line) => (JSON.parse(line) as { time: number }).time);
    expect(
      rebuiltAt.some((time) => time > restartedFrom),
      "the restarted Redis was empty: the gate was rebuilt after it",
    ).toBe(true);
  });

  it("F8 stale gate: Redis rolled back to an earlier state (a failover that lost writes) still cannot over-issue", async () => {
    const couponId = await system.createCoupon({ stock: 600 });
    const keys = gateKeys(couponId);
    const observed: Observed[] = [];
    const saleOf = async (prefix: string, users: number) => {
      const sold = await system.sale(crowd(prefix, couponId, users), { perSecond: 250 }).done;
      observed.push(...sold);
      await system.check({ couponIds: [couponId], observed, record: false });
    };

    await saleOf("f8-a", 300);
    const snapshot = await Promise.all([keys.meta, keys.holdings, keys.decisions].map(async (key) => [key, await system.redis.dumpBuffer(key)] as const));
    await saleOf("f8-b", 200);
    system.note("rolling the gate back to 300 issued while Postgres holds 500");
    // A key the snapshot did not have (no verdicts were in flight then) is gone after the rollback too.
    for (const [key, dump] of snapshot) await (dump ? system.redis.restore(key, 0, dump, "REPLACE") : system.redis.del(key));
    const healedAt = Date.now();
    // Only new users from here on: the gate believes 300 coupons are left, Postgres knows 100 are.
    observed.push(...(await system.sale(crowd("f8-c", couponId, 400), { perSecond: 250 }).done));

    const row = await system.check({ scenario: "F8 stale gate", couponIds: [couponId], observed, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(600);
  });
});
