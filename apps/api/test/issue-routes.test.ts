import { afterEach, describe, expect, it } from "vitest";
import { badTokens, testApp, userToken } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
async function setup() {
  current = await testApp();
  return current;
}
afterEach(async () => current?.app.close());

function issue(t: Awaited<ReturnType<typeof testApp>>, couponId: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: "POST", url: `/coupons/${couponId}/issue`, headers: { authorization: `Bearer ${userToken()}`, ...headers } });
}

function issueAs(t: Awaited<ReturnType<typeof testApp>>, couponId: string, user: string) {
  return t.app.inject({ method: "POST", url: `/coupons/${couponId}/issue`, headers: { authorization: `Bearer ${userToken(user)}` } });
}

describe("POST /coupons/:couponId/issue", () => {
  it("answers 202 with a request id and a Location once the request is published", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const response = await issue(t, coupon.id);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "PENDING", position: 1, ahead: 0, remaining: 10 });
    expect(response.headers.location).toBe(`/issue-requests/${body.requestId}`);
    expect(t.published).toEqual([{ requestId: body.requestId, couponId: coupon.id, userId: "alice", acceptedAt: expect.any(Date) }]);
  });

  it("gives each request its place in the coupon's line, counting those ahead still undecided", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const other = t.addCoupon();
    const answers = await Promise.all(["u1", "u2", "u3"].map((user) => issueAs(t, coupon.id, user)));
    expect(answers.map((a) => [a.statusCode, a.json().position, a.json().ahead])).toEqual([
      [202, 1, 0],
      [202, 2, 1],
      [202, 3, 2],
    ]);
    expect((await issueAs(t, other.id, "u4")).json().position).toBe(1);
    const first = answers[0]!.json().requestId;
    const now = new Date();
    t.decisions.set(first, { requestId: first, couponId: coupon.id, userId: "u1", decision: "ISSUED", reason: null, acceptedAt: now, decidedAt: now });
    expect((await issueAs(t, coupon.id, "u5")).json()).toMatchObject({ position: 4, ahead: 2 });
  });

  it("answers 202 without a place when the line fails, and leaves the line alone for a while after", async () => {
    current = await testApp({ queueLine: { restMs: 60_000 } });
    const t = current;
    const coupon = t.addCoupon();
    let asked = 0;
    const join = t.deps.line.join;
    t.deps.line.join = (entries) => ((asked += 1), join(entries));
    t.state.redisDown = true;
    const failed = await issueAs(t, coupon.id, "u1");
    t.state.redisDown = false;
    const resting = await issueAs(t, coupon.id, "u2");
    expect([failed.statusCode, Object.keys(failed.json()), resting.statusCode, Object.keys(resting.json())]).toEqual([
      202,
      ["requestId", "status"],
      202,
      ["requestId", "status"],
    ]);
    expect([asked, t.published.length]).toEqual([1, 2]);
  });

  it("answers 202 without a place when the line hangs, once its wait is over: the request is on Kafka all the same", async () => {
    current = await testApp({ queueLine: { timeoutMs: 300 } });
    const t = current;
    const coupon = t.addCoupon();
    t.state.lineStalled = true;
    const started = Date.now();
    const hung = await issueAs(t, coupon.id, "u1");
    expect([hung.statusCode, Object.keys(hung.json())]).toEqual([202, ["requestId", "status"]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(t.published).toHaveLength(1);
  });

  it("answers PREQUEUED in a pre-queue before the start, PENDING with a place after it, and refuses before the pre-queue opens", async () => {
    const t = await setup();
    const startsAt = new Date(Date.now() + 60_000);
    const waiting = t.addCoupon({ startsAt, prequeueSeconds: 600 });
    const entered = await issueAs(t, waiting.id, "u1");
    expect([entered.statusCode, entered.json()]).toEqual([202, { requestId: entered.json().requestId, status: "PREQUEUED" }]);
    t.prequeued.add(entered.json().requestId);
    const read = await t.app.inject({ url: `/issue-requests/${entered.json().requestId}`, headers: { authorization: `Bearer ${userToken("u1")}` } });
    expect(read.json()).toEqual({ requestId: entered.json().requestId, status: "PREQUEUED" });
    const tooEarly = t.addCoupon({ startsAt: new Date(Date.now() + 700_000), prequeueSeconds: 600 });
    expect((await issueAs(t, tooEarly.id, "u1")).json().code).toBe("COUPON_NOT_STARTED");
    const started = t.addCoupon({ startsAt: new Date(Date.now() - 1_000), prequeueSeconds: 600 });
    expect((await issueAs(t, started.id, "u1")).json()).toMatchObject({ status: "PENDING", position: 1 });
  });

  it("gives a lottery entry no place in line: entries are drawn together", async () => {
    const t = await setup();
    const lottery = t.addCoupon({ mode: "LOTTERY", startsAt: new Date(Date.now() - 1_000), endsAt: new Date(Date.now() + 60_000) });
    const entered = await issueAs(t, lottery.id, "u1");
    expect([entered.statusCode, entered.json().position]).toEqual([202, undefined]);
  });

  it("takes the user from the token, never from the body", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const response = await t.app.inject({
      method: "POST",
      url: `/coupons/${coupon.id}/issue`,
      headers: { authorization: `Bearer ${userToken("alice")}` },
      payload: { userId: "mallory" },
    });
    expect(response.statusCode).toBe(400);
    expect(t.published).toEqual([]);
  });

  it("maps a retried Idempotency-Key to the same request id", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const first = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    const again = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    const other = await issue(t, coupon.id, { "idempotency-key": "tap-2" });
    expect(again.json().requestId).toBe(first.json().requestId);
    expect(other.json().requestId).not.toBe(first.json().requestId);
  });

  it("answers a retry with its original request id after the coupon sold out, and sends it to Kafka again while undecided", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const first = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    t.coupons.set(coupon.id, { ...t.coupons.get(coupon.id)!, soldOut: true });
    const again = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    expect([again.statusCode, again.json()]).toEqual([202, { requestId: first.json().requestId, status: "PENDING", position: 1, ahead: 0, remaining: 10 }]);
    expect(t.published.map((r) => r.requestId)).toEqual([first.json().requestId, first.json().requestId]);
  });

  it("answers a retry of a decided request with its status", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const first = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    const { requestId } = first.json();
    const now = new Date();
    t.decisions.set(requestId, { requestId, couponId: coupon.id, userId: "alice", decision: "ISSUED", reason: null, acceptedAt: now, decidedAt: now });
    const again = await issue(t, coupon.id, { "idempotency-key": "tap-1" });
    expect([again.statusCode, again.json().status, again.json().requestId]).toEqual([200, "ISSUED", requestId]);
    expect(t.published).toHaveLength(1);
  });

  it("keeps no Idempotency-Key for a request the coupon refuses", async () => {
    const t = await setup();
    const refused = await issue(t, t.addCoupon({ soldOut: true }).id, { "idempotency-key": "tap-1" });
    expect(refused.statusCode).toBe(409);
    expect(t.idempotency.size).toBe(0);
  });

  it.each([
    ["sold out", { soldOut: true }, 409, "COUPON_SOLD_OUT"],
    ["not started", { startsAt: new Date(Date.now() + 60_000) }, 409, "COUPON_NOT_STARTED"],
    ["ended", { endsAt: new Date(Date.now() - 1) }, 409, "COUPON_ENDED"],
  ])("refuses a %s coupon at once and produces nothing", async (_, overrides, status, code) => {
    const t = await setup();
    const response = await issue(t, t.addCoupon(overrides).id);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code, message: expect.any(String) });
    expect(t.published).toEqual([]);
  });

  it.each([
    ["sold out", { soldOut: true }],
    ["not started", { startsAt: new Date(Date.now() + 60_000) }],
    ["ended", { endsAt: new Date(Date.now() - 1) }],
    ["paused", { pauses: [{ pausedAt: new Date(Date.now() - 1_000), resumedAt: null }] }],
  ])("answers a %s coupon from the cache exactly as the full path does, and produces nothing", async (_, overrides) => {
    const t = await setup();
    const coupon = t.addCoupon(overrides);
    const full = await issue(t, coupon.id);
    t.state.cached.add(coupon.id);
    const cached = await issue(t, coupon.id);
    expect(full.statusCode).toBe(409);
    expect([cached.statusCode, cached.headers["content-type"], cached.json()]).toEqual([full.statusCode, full.headers["content-type"], full.json()]);
    expect(t.published).toEqual([]);
  });

  it("still authenticates and validates what is sent when the cache knows the coupon is sold out", async () => {
    const t = await setup();
    const coupon = t.addCoupon({ soldOut: true });
    t.state.cached.add(coupon.id);
    const url = `/coupons/${coupon.id}/issue`;
    const anonymous = await t.app.inject({ method: "POST", url });
    const forged = await t.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${badTokens["signed with another key"]}` } });
    const withBody = await t.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${userToken()}` }, payload: { userId: "mallory" } });
    const badKey = await issue(t, coupon.id, { "idempotency-key": "has spaces" });
    expect([anonymous.statusCode, forged.statusCode, withBody.statusCode, badKey.statusCode]).toEqual([401, 401, 400, 400]);
  });

  it("takes the full path when the cached coupon is open", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    t.state.cached.add(coupon.id);
    expect((await issue(t, coupon.id)).statusCode).toBe(202);
    expect(t.published).toHaveLength(1);
  });

  it("answers 404 for an unknown coupon and 400 for an id that is not one", async () => {
    const t = await setup();
    expect((await issue(t, "0190b6a0-0000-7000-8000-0000000000aa")).json()).toMatchObject({ code: "COUPON_NOT_FOUND" });
    const bad = await issue(t, "1 OR 1=1");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("VALIDATION_FAILED");
    expect(t.published).toEqual([]);
  });

  it("answers 503 with Retry-After and the request id when Kafka does not acknowledge, never 202", async () => {
    const t = await setup();
    t.state.kafkaDown = true;
    const response = await issue(t, t.addCoupon().id);
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.json()).toMatchObject({ code: "PUBLISH_UNAVAILABLE", requestId: expect.any(String) });
  });

  it.each(Object.entries(badTokens))("answers 401 to a token %s and produces nothing", async (_, token) => {
    const t = await setup();
    const coupon = t.addCoupon();
    const response = await t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("UNAUTHORIZED");
    expect(t.published).toEqual([]);
  });

  it("answers 401 without a token, before looking at anything else", async () => {
    const t = await setup();
    const response = await t.app.inject({ method: "POST", url: "/coupons/not-a-uuid/issue" });
    expect(response.statusCode).toBe(401);
  });

  it("refuses a malformed, oversized or mistyped body with a 4xx", async () => {
    const t = await setup();
    const coupon = t.addCoupon();
    const url = `/coupons/${coupon.id}/issue`;
    const headers = { authorization: `Bearer ${userToken()}`, "content-type": "application/json" };
    const malformed = await t.app.inject({ method: "POST", url, headers, payload: "{nope" });
    const oversized = await t.app.inject({ method: "POST", url, headers, payload: JSON.stringify({ pad: "x".repeat(20_000) }) });
    const mistyped = await t.app.inject({ method: "POST", url, headers, payload: "[1,2]" });
    expect([malformed.statusCode, oversized.statusCode, mistyped.statusCode]).toEqual([400, 413, 400]);
    for (const r of [malformed, oversized, mistyped]) expect(r.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(t.published).toEqual([]);
  });
});
