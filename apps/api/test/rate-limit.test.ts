import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { badTokens, testApp, userToken } from "./support/test-app.ts";

// Without Redis the limiter counts in memory, per instance; tests/faults checks the Redis store across two APIs.
// Requests go one at a time here: the in-memory store hands every concurrent caller the same counter object.
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function limitedApp(perUserPerSecond: number) {
  const t = await testApp({ rateLimit: { perUserPerSecond } });
  apps.push(t.app);
  return t;
}

const press = (app: FastifyInstance, couponId: string, token: string) =>
  app.inject({ method: "POST", url: `/coupons/${couponId}/issue`, headers: { authorization: `Bearer ${token}` } });

async function pressTimes(app: FastifyInstance, couponId: string, token: string, times: number) {
  const answers = [];
  for (let i = 0; i < times; i++) answers.push(await press(app, couponId, token));
  return answers;
}

describe("the per-user rate limit", () => {
  it("answers 429 RATE_LIMITED past the limit, per user, and produces nothing for those", async () => {
    const t = await limitedApp(3);
    const coupon = t.addCoupon({ stock: 100, perUserLimit: 100 });
    const alice = await pressTimes(t.app, coupon.id, userToken("alice"), 5);
    const bob = await press(t.app, coupon.id, userToken("bob"));
    expect(alice.map((r) => r.statusCode)).toEqual([202, 202, 202, 429, 429]);
    const limited = alice.find((r) => r.statusCode === 429)!;
    expect(limited.json()).toMatchObject({ code: "RATE_LIMITED", message: expect.any(String) });
    expect(limited.headers["retry-after"]).toBeDefined();
    expect(bob.statusCode).toBe(202);
    expect(t.published).toHaveLength(4);
  });

  it("counts only authenticated requests, by the verified user: a forged token gets 401, never someone's budget", async () => {
    const t = await limitedApp(1);
    const coupon = t.addCoupon();
    for (let i = 0; i < 3; i++) expect((await press(t.app, coupon.id, badTokens["signed with another key"]!)).statusCode).toBe(401);
    expect((await press(t.app, coupon.id, userToken("alice"))).statusCode).toBe(202);
    expect((await t.app.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200);
  });

  it("is off at 0", async () => {
    const t = await limitedApp(0);
    const coupon = t.addCoupon({ stock: 100, perUserLimit: 100 });
    const answers = await pressTimes(t.app, coupon.id, userToken("alice"), 20);
    expect(answers.every((r) => r.statusCode === 202)).toBe(true);
  });
});
