import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd, tokenFor } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F13 an admin adds stock mid-sale", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F13 stock added", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("issues exactly the new stock, applies each operation once, and never lowers it", async () => {
    const couponId = await system.createCoupon({ stock: 300 });
    // Operation ids are unique across campaigns: each run's are its own.
    const addStock = async (add: unknown, operation: string) => {
      const operationId = `${operation}-${couponId}`;
      const response = await fetch(`${system.apis[0]!.url}/admin/coupons/${couponId}/stock`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokenFor("f13-admin", true)}`, "content-type": "application/json" },
        body: JSON.stringify({ add, operationId }),
      });
      return { status: response.status, body: (await response.json()) as { stock?: number; applied?: boolean } };
    };

    const sale = system.sale(crowd("f13", couponId, 1_500, 3_000), { perSecond: 250 });
    await sale.answered(600);
    system.note("adding 200 (the first 300 are gone by now)");
    expect((await addStock(200, "f13-first")).body).toMatchObject({ stock: 500, applied: true });
    await sale.answered(1_500);
    expect((await addStock(100, "f13-second")).body).toMatchObject({ stock: 600, applied: true });
    expect((await addStock(100, "f13-second")).body).toMatchObject({ stock: 600, applied: false });
    expect((await addStock(-100, "f13-lower")).status).toBe(400);
    expect((await addStock(0, "f13-zero")).status).toBe(400);

    const row = await system.check({ couponIds: [couponId], observed: await sale.done });
    expect(row.violations).toEqual([]);
    expect([row.issued, row.stock]).toEqual([600, 600]);
  });
});
