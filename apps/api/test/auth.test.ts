import { createSigner } from "fast-jwt";
import { afterEach, describe, expect, it } from "vitest";
import { mintToken } from "../src/tokens.ts";
import { badTokens, ISSUER, SECRET, testApp } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => current?.app.close());

const AUTHENTICATED_ROUTES = [
  ["POST", "/coupons/0190b6a0-0000-7000-8000-0000000000aa/issue"],
  ["GET", "/issue-requests/0190b6a0-0000-7000-8000-000000000001"],
  ["GET", "/me/coupons"],
  ["POST", "/admin/coupons"],
  ["GET", "/admin/coupons"],
  ["POST", "/admin/coupons/0190b6a0-0000-7000-8000-0000000000aa/stock"],
] as const;

describe("bearer tokens on every authenticated route", () => {
  it.each(Object.entries(badTokens))("answer 401 to a token %s, and produce nothing", async (_, token) => {
    current = await testApp();
    for (const [method, url] of AUTHENTICATED_ROUTES) {
      const response = await current.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      expect([method, url, response.statusCode, response.json().code]).toEqual([method, url, 401, "UNAUTHORIZED"]);
    }
    expect(current.published).toEqual([]);
  });

  it("require the configured audience: none or another one is 401, the right one gets in", async () => {
    current = await testApp({ auth: { algorithm: "HS256", key: SECRET, issuer: ISSUER, audience: "dibs-api" } });
    const coupon = current.addCoupon();
    const press = (audience?: string) =>
      current!.app.inject({
        method: "POST",
        url: `/coupons/${coupon.id}/issue`,
        headers: { authorization: `Bearer ${mintToken({ secret: SECRET, issuer: ISSUER, audience, userId: "alice" })}` },
      });
    expect((await press()).statusCode).toBe(401);
    expect((await press("someone-else")).statusCode).toBe(401);
    expect((await press("dibs-api")).statusCode).toBe(202);
    expect(current.published).toHaveLength(1);
  });
});

describe("user ids the token's sub may carry", () => {
  const press = async (userId: string) => {
    const coupon = current!.addCoupon();
    return current!.app.inject({
      method: "POST",
      url: `/coupons/${coupon.id}/issue`,
      headers: { authorization: `Bearer ${mintToken({ secret: SECRET, issuer: ISSUER, userId })}` },
    });
  };

  it.each([
    ["U+0000", "nul\u0000id"],
    ["a lone surrogate", "half\ud800"],
    ["129 characters", "u".repeat(129)],
    ["a tab", "tab\tid"],
    ["a zero-width space", "zero\u200bwidth"],
    ["a bidi override", "abc\u202edef"],
    ["a line separator", "line\u2028sep"],
  ])("refuses one with %s: 401 INVALID_USER_ID, nothing produced", async (_, userId) => {
    current = await testApp();
    const response = await press(userId);
    expect([response.statusCode, response.json().code]).toEqual([401, "INVALID_USER_ID"]);
    expect(current.published).toEqual([]);
  });

  it.each([["김민준"], ["🎟️"], ["auth0|5f7c8ec7c33c6c004bbafe82"], ["a".repeat(128)], ["😀".repeat(128)], ["user@example.com"], ['quo"te,comma']])(
    "takes %s",
    async (userId) => {
      current = await testApp();
      expect((await press(userId)).statusCode).toBe(202);
      expect(current.published.map((r) => r.userId)).toEqual([userId]);
    },
  );
});

describe("the admin claim", () => {
  const tokenWith = (claims: Record<string, unknown>) =>
    createSigner({ key: SECRET, algorithm: "HS256", iss: ISSUER, expiresIn: 60_000 })({ sub: "someone", ...claims });
  const listCoupons = (token: string) => current!.app.inject({ url: "/admin/coupons", headers: { authorization: `Bearer ${token}` } });

  it("is the configured one: another service's role: admin is no admin here", async () => {
    current = await testApp({ auth: { algorithm: "HS256", key: SECRET, issuer: ISSUER, adminClaim: { name: "dibs_roles", value: "coupon-admin" } } });
    expect((await listCoupons(tokenWith({ role: "admin" }))).statusCode).toBe(403);
    expect((await listCoupons(tokenWith({ dibs_roles: "coupon-admin" }))).statusCode).toBe(200);
    expect((await listCoupons(tokenWith({ dibs_roles: ["viewer", "coupon-admin"] }))).statusCode).toBe(200);
  });
});
