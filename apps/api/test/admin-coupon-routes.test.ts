import { afterEach, describe, expect, it } from "vitest";
import { adminToken, testApp, userToken } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => current?.app.close());

function create(t: Awaited<ReturnType<typeof testApp>>, payload: unknown, token = adminToken()) {
  return t.app.inject({ method: "POST", url: "/admin/coupons", headers: { authorization: `Bearer ${token}` }, payload: payload as object });
}

describe("admin coupons", () => {
  it("creates a coupon and reads it back with its counts", async () => {
    current = await testApp();
    const created = await create(current, { name: "Launch", stock: 100, startsAt: "2026-01-01T00:00:00Z" });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: "Launch", stock: 100, issued: 0, remaining: 100, status: "OPEN", startsAt: "2026-01-01T00:00:00.000Z" });
    const read = await current.app.inject({ method: "GET", url: `/admin/coupons/${body.id}`, headers: { authorization: `Bearer ${adminToken()}` } });
    expect(read.json()).toMatchObject({ id: body.id, decisions: { ISSUED: 0, DUPLICATE: 0, SOLD_OUT: 0, REJECTED: 0 } });
  });

  it("answers 403 to a user who is not an admin, and writes nothing", async () => {
    current = await testApp();
    const response = await create(current, { name: "Launch", stock: 100 }, userToken());
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe("FORBIDDEN");
    expect(current.coupons.size).toBe(0);
  });

  it.each([
    ["a negative stock", { name: "x", stock: -1 }],
    ["a zero stock", { name: "x", stock: 0 }],
    ["an absurd stock", { name: "x", stock: 1e12 }],
    ["a fractional stock", { name: "x", stock: 1.5 }],
    ["a string stock", { name: "x", stock: "10" }],
    ["no name", { stock: 10 }],
    ["an unknown field", { name: "x", stock: 10, issued: 5 }],
    ["an end before the start", { name: "x", stock: 10, startsAt: "2026-01-02T00:00:00Z", endsAt: "2026-01-01T00:00:00Z" }],
    ["a date that is not one", { name: "x", stock: 10, startsAt: "tomorrow" }],
  ])("refuses %s with 400 and writes nothing", async (_, payload) => {
    current = await testApp();
    const response = await create(current, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: "VALIDATION_FAILED", issues: expect.any(Array) });
    expect(current.coupons.size).toBe(0);
  });

  it("answers 404 for an unknown coupon", async () => {
    current = await testApp();
    const response = await current.app.inject({
      method: "GET",
      url: "/admin/coupons/0190b6a0-0000-7000-8000-0000000000aa",
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe("COUPON_NOT_FOUND");
  });
});
