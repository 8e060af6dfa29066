import { drawSeed, drawWinners, entrantsHash, seedHash } from "@dibs/domain";
import { afterEach, describe, expect, it } from "vitest";
import { publicCouponBody } from "../src/schemas/coupons.ts";
import { adminToken, testApp, userToken } from "./support/test-app.ts";

type TestApp = Awaited<ReturnType<typeof testApp>>;
let current: TestApp | undefined;
afterEach(async () => current?.app.close());

const inAMinute = () => new Date(Date.now() + 60_000);
const aMinuteAgo = () => new Date(Date.now() - 60_000);

async function read(t: TestApp, couponId: string, token = userToken()) {
  const response = await t.app.inject({ url: `/coupons/${couponId}`, headers: { authorization: `Bearer ${token}` } });
  if (response.statusCode === 200) expect(publicCouponBody.safeParse(response.json()).success, response.body).toBe(true);
  return response;
}

describe("GET /coupons/:couponId", () => {
  it("shows any user a coupon's window, status and remaining stock", async () => {
    current = await testApp();
    const startsAt = aMinuteAgo();
    const endsAt = inAMinute();
    const coupon = current.addCoupon({ name: "Launch", stock: 10, issuedCount: 3, startsAt, endsAt });
    const response = await read(current, coupon.id);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: coupon.id,
      name: "Launch",
      mode: "FIRST_COME",
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      status: "OPEN",
      stock: 10,
      remaining: 7,
      lottery: null,
      prequeue: null,
    });
  });

  it.each([
    ["NOT_STARTED", { startsAt: inAMinute() }],
    ["ENDED", { endsAt: aMinuteAgo() }],
    ["PAUSED", { pauses: [{ pausedAt: aMinuteAgo(), resumedAt: null }] }],
    ["SOLD_OUT", { soldOut: true }],
  ])("says %s when it is", async (status, overrides) => {
    current = await testApp();
    const response = await read(current, current.addCoupon(overrides).id);
    expect(response.json().status).toBe(status);
    if (status === "SOLD_OUT") expect(response.json().remaining).toBe(0);
  });

  it("publishes a lottery's seedHash from its creation, and nothing of its secret", async () => {
    current = await testApp();
    const created = await current.app.inject({
      method: "POST",
      url: "/admin/coupons",
      headers: { authorization: `Bearer ${adminToken()}` },
      payload: { name: "Draw", stock: 2, mode: "LOTTERY" },
    });
    const couponId = created.json().id;
    const committed = (await current.deps.admin.lottery(couponId))!.seedHash;
    const response = await read(current, couponId);
    expect(response.json()).toMatchObject({ mode: "LOTTERY", status: "OPEN", remaining: 2, lottery: { seedHash: committed, draw: null } });
    expect(Object.keys(response.json().lottery)).toEqual(["seedHash", "draw"]);
  });

  it("once a lottery is drawn, publishes the revealed secret and the entrants' hash, from which anyone re-runs the draw", async () => {
    current = await testApp();
    const coupon = current.addCoupon({ mode: "LOTTERY", stock: 2, endsAt: aMinuteAgo() });
    const entrants = ["zoe", "amy", "é", "Bob", "cy"];
    current.lotteries.enter(coupon.id, entrants);
    const before = (await read(current, coupon.id)).json();
    const drawn = await current.app.inject({ method: "POST", url: `/admin/coupons/${coupon.id}/draw`, headers: { authorization: `Bearer ${adminToken()}` } });
    expect(drawn.statusCode).toBe(200);

    const after = (await read(current, coupon.id)).json();
    expect(after).toMatchObject({ status: "DRAWN", remaining: 0, lottery: { seedHash: before.lottery.seedHash } });
    const { secret, entrantsHash: published, seed, winners } = after.lottery.draw;
    expect(seedHash(secret)).toBe(before.lottery.seedHash);
    expect(entrantsHash(entrants)).toBe(published);
    expect(drawSeed(secret, published)).toBe(seed);
    expect(after.lottery.draw.entrants).toBe(5);
    expect(drawWinners(entrants, seed, winners)).toEqual(drawn.json().winners);
  });

  it("answers 404 for a coupon that does not exist, 400 for an id that is not one, and 401 without a token", async () => {
    current = await testApp();
    expect((await read(current, crypto.randomUUID())).json().code).toBe("COUPON_NOT_FOUND");
    expect((await read(current, "nope")).statusCode).toBe(400);
    const coupon = current.addCoupon();
    expect((await current.app.inject({ url: `/coupons/${coupon.id}` })).json().code).toBe("UNAUTHORIZED");
  });
});
