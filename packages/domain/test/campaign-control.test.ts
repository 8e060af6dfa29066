import { describe, expect, it } from "vitest";
import { campaignChange } from "../src/campaign-control.ts";
import { aCoupon } from "./fixtures.ts";

const at = new Date("2026-01-15T00:00:00Z");

describe("campaignChange", () => {
  it("opens a pause once, and closes only an open one", () => {
    const running = aCoupon();
    const paused = { ...running, pauses: [{ pausedAt: new Date("2026-01-14T00:00:00Z"), resumedAt: null }] };
    expect(campaignChange(running, "pause", at)).toEqual({ kind: "open-pause", at });
    expect(campaignChange(paused, "pause", at)).toBeNull();
    expect(campaignChange(paused, "resume", at)).toEqual({ kind: "close-pause", at });
    expect(campaignChange(running, "resume", at)).toBeNull();
  });

  it("ends a running campaign now, leaves an ended one be, and refuses to close one that has not started", () => {
    expect(campaignChange(aCoupon(), "close", at)).toEqual({ kind: "end", at });
    expect(campaignChange({ ...aCoupon(), endsAt: new Date("2026-01-01T00:00:00Z") }, "close", at)).toBeNull();
    expect(() => campaignChange({ ...aCoupon(), startsAt: new Date("2026-02-01T00:00:00Z") }, "close", at)).toThrow(
      expect.objectContaining({ code: "COUPON_NOT_STARTED" }),
    );
  });
});
