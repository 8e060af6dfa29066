import { describe, expect, it } from "vitest";
import { acceptIssueRequest } from "../src/accept-issue-request.ts";
import type { IssueRequest } from "../src/issue-request.ts";
import type { CouponView } from "../src/ports.ts";
import { aCoupon, aRequest } from "./fixtures.ts";

function deps(coupon: CouponView | null) {
  const published: IssueRequest[] = [];
  return {
    published,
    catalog: { find: async (id: string) => (coupon && coupon.id === id ? coupon : null) },
    publisher: { publish: async (r: IssueRequest, _trace: string) => void published.push(r) },
  };
}

describe("acceptIssueRequest", () => {
  it("publishes a request for an open coupon", async () => {
    const coupon = { ...aCoupon(), soldOut: false };
    const d = deps(coupon);
    const request = aRequest(coupon.id, "alice");
    await expect(acceptIssueRequest(request, "trace", d)).resolves.toEqual(request);
    expect(d.published).toEqual([request]);
  });

  it.each([
    ["COUPON_NOT_FOUND", null],
    ["COUPON_SOLD_OUT", { soldOut: true }],
    ["COUPON_NOT_STARTED", { startsAt: new Date("2026-02-01T00:00:00Z") }],
    ["COUPON_ENDED", { endsAt: new Date("2026-01-01T00:00:00Z") }],
    ["COUPON_PAUSED", { pauses: [{ pausedAt: new Date("2025-12-31T00:00:00Z"), resumedAt: null }] }],
  ] as Array<[string, Partial<CouponView> | null]>)("refuses with %s and publishes nothing", async (code, overrides) => {
    const coupon: CouponView | null = overrides === null ? null : { ...aCoupon(), soldOut: false, ...overrides };
    const d = deps(coupon);
    const request = aRequest(coupon?.id ?? "missing", "alice");
    await expect(acceptIssueRequest(request, "trace", d)).rejects.toMatchObject({ code });
    expect(d.published).toEqual([]);
  });

  it("passes the caller's trace to the publisher with the request", async () => {
    const coupon = { ...aCoupon(), soldOut: false };
    const traces: string[] = [];
    const publisher = { publish: async (_r: IssueRequest, trace: string) => void traces.push(trace) };
    await acceptIssueRequest(aRequest(coupon.id, "alice"), "00-trace", { ...deps(coupon), publisher });
    expect(traces).toEqual(["00-trace"]);
  });

  it("claims only a request the coupon takes, and publishes what the claim answers: an earlier request on a retry", async () => {
    const open = { ...aCoupon(), soldOut: false };
    const earlier = aRequest(open.id, "alice");
    const claimed: IssueRequest[] = [];
    const claim = async (r: IssueRequest) => (claimed.push(r), earlier);
    const d = deps(open);
    await expect(acceptIssueRequest(aRequest(open.id, "alice"), "trace", { ...d, claim })).resolves.toBe(earlier);
    expect(d.published).toEqual([earlier]);
    const soldOut = deps({ ...open, soldOut: true });
    await expect(acceptIssueRequest(aRequest(open.id, "bob"), "trace", { ...soldOut, claim })).rejects.toMatchObject({ code: "COUPON_SOLD_OUT" });
    expect(claimed).toHaveLength(1);
  });

  it("fails when the publisher fails, so the caller never claims acceptance", async () => {
    const coupon = { ...aCoupon(), soldOut: false };
    const d = deps(coupon);
    d.publisher.publish = async () => {
      throw new Error("broker down");
    };
    await expect(acceptIssueRequest(aRequest(coupon.id, "alice"), "trace", d)).rejects.toThrow("broker down");
  });
});
