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
