import { drawSeed, drawWinners, entrantsHash, seedHash } from "@dibs/domain";
import { afterEach, describe, expect, it } from "vitest";
import { adminToken, testApp } from "./support/test-app.ts";

type TestApp = Awaited<ReturnType<typeof testApp>>;
let current: TestApp | undefined;
afterEach(async () => current?.app.close());

const ago = (ms: number) => new Date(Date.now() - ms);
const draw = (t: TestApp, couponId: string) =>
  t.app.inject({ method: "POST", url: `/admin/coupons/${couponId}/draw`, headers: { authorization: `Bearer ${adminToken()}` } });

/** A lottery that ended `endedMsAgo` ago, with five entrants; the API answers within 5 s of acceptance. */
async function endedLottery(endedMsAgo: number) {
  current = await testApp();
  const coupon = current.addCoupon({ mode: "LOTTERY", stock: 2, endsAt: ago(endedMsAgo) });
  current.lotteries.enter(coupon.id, ["amy", "bob", "cy", "dee", "eve"]);
  return { t: current, coupon };
}

describe("POST /admin/coupons/:couponId/draw", () => {
  it("refuses while an entry accepted before the end may still be waiting for Kafka, and says how long to wait", async () => {
    const { t, coupon } = await endedLottery(2_000);
    const response = await draw(t, coupon.id);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: "ENTRIES_IN_FLIGHT", retryAfterSeconds: 4 });
    expect(response.json().message).toContain(new Date(coupon.endsAt!.getTime() + 6_000).toISOString());
    expect(response.headers["retry-after"]).toBe("4");
    expect(t.lotteries.drawn).toEqual([]);
  });

  it("refuses while the issuers have not recorded the lottery's own partition up to its end", async () => {
    const { t, coupon } = await endedLottery(60_000);
    t.state.entryProgress = { partition: 3, committed: 10, target: 12 };
    const response = await draw(t, coupon.id);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: "ENTRIES_IN_FLIGHT", retryAfterSeconds: 1 });
    expect(response.json().message).toContain("partition 3");
    expect(t.state.progressAskedFor).toEqual([coupon.id]);
    expect(t.lotteries.drawn).toEqual([]);
  });

  it("draws once every entry has had its answer and the partition is recorded, and publishes what re-runs it", async () => {
    const { t, coupon } = await endedLottery(60_000);
    t.state.entryProgress = { partition: 3, committed: 12, target: 12 };
    const response = await draw(t, coupon.id);
    expect(response.statusCode).toBe(200);
    const drawn = response.json();
    expect(seedHash(drawn.secret)).toBe(drawn.seedHash);
    expect(drawn.entrantsHash).toBe(entrantsHash(drawn.entrants));
    expect(drawn.seed).toBe(drawSeed(drawn.secret, drawn.entrantsHash));
    expect(drawn.winners).toEqual(drawWinners(drawn.entrants, drawn.seed, 2));
    expect(t.lotteries.drawn).toEqual([coupon.id]);
  });

  it("answers a drawn lottery with its draw, without looking at Kafka again", async () => {
    const { t, coupon } = await endedLottery(60_000);
    const first = await draw(t, coupon.id);
    const again = await draw(t, coupon.id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(t.state.progressAskedFor).toEqual([coupon.id]);
  });

  it("refuses a lottery that has not ended, a coupon that is not a lottery, and an unknown coupon, without looking at Kafka", async () => {
    current = await testApp();
    const open = current.addCoupon({ mode: "LOTTERY", endsAt: new Date(Date.now() + 60_000) });
    const firstCome = current.addCoupon({ endsAt: ago(60_000) });
    expect((await draw(current, open.id)).json().code).toBe("COUPON_NOT_ENDED");
    expect((await draw(current, firstCome.id)).json().code).toBe("INVALID_COUPON");
    expect((await draw(current, crypto.randomUUID())).statusCode).toBe(404);
    expect(current.state.progressAskedFor).toEqual([]);
  });
});
