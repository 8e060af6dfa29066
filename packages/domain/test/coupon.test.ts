import { describe, expect, it } from "vitest";
import { couponStatusAt, isPaused, remainingStock, windowStateAt } from "../src/coupon.ts";

const startsAt = new Date("2026-01-01T10:00:00Z");
const endsAt = new Date("2026-01-01T11:00:00Z");

describe("windowStateAt", () => {
  it("is open from startsAt, inclusive, to endsAt, exclusive", () => {
    expect(windowStateAt({ startsAt, endsAt, pauses: [] }, new Date(startsAt.getTime() - 1))).toBe("NOT_STARTED");
    expect(windowStateAt({ startsAt, endsAt, pauses: [] }, startsAt)).toBe("OPEN");
    expect(windowStateAt({ startsAt, endsAt, pauses: [] }, new Date(endsAt.getTime() - 1))).toBe("OPEN");
    expect(windowStateAt({ startsAt, endsAt, pauses: [] }, endsAt)).toBe("ENDED");
  });

  it("is always open without bounds", () => {
    expect(windowStateAt({ startsAt: null, endsAt: null, pauses: [] }, new Date(0))).toBe("OPEN");
  });
});

describe("pauses", () => {
  const pausedAt = new Date("2026-01-01T10:10:00Z");
  const resumedAt = new Date("2026-01-01T10:20:00Z");

  it("refuse what was accepted within [pausedAt, resumedAt), and nothing else", () => {
    const coupon = { startsAt, endsAt, pauses: [{ pausedAt, resumedAt }] };
    expect(windowStateAt(coupon, new Date(pausedAt.getTime() - 1))).toBe("OPEN");
    expect(windowStateAt(coupon, pausedAt)).toBe("PAUSED");
    expect(windowStateAt(coupon, new Date(resumedAt.getTime() - 1))).toBe("PAUSED");
    expect(windowStateAt(coupon, resumedAt)).toBe("OPEN");
  });

  it("last until resumed", () => {
    const coupon = { startsAt, endsAt, pauses: [{ pausedAt, resumedAt: null }] };
    expect(windowStateAt(coupon, new Date(endsAt.getTime() - 1))).toBe("PAUSED");
    expect(isPaused(coupon)).toBe(true);
  });
});

describe("remainingStock", () => {
  it("never goes below zero", () => {
    expect(remainingStock({ stock: 5, issuedCount: 2 })).toBe(3);
    expect(remainingStock({ stock: 5, issuedCount: 7 })).toBe(0);
  });
});

describe("couponStatusAt", () => {
  const coupon = { startsAt, endsAt, pauses: [], drawnAt: null };
  const during = new Date("2026-01-01T10:30:00Z");

  it("follows the window first, then the stock", () => {
    expect(couponStatusAt(coupon, false, new Date(startsAt.getTime() - 1))).toBe("NOT_STARTED");
    expect(couponStatusAt(coupon, false, during)).toBe("OPEN");
    expect(couponStatusAt(coupon, true, during)).toBe("SOLD_OUT");
    expect(couponStatusAt(coupon, true, endsAt)).toBe("ENDED");
    expect(couponStatusAt({ ...coupon, pauses: [{ pausedAt: startsAt, resumedAt: null }] }, false, during)).toBe("PAUSED");
  });

  it("says DRAWN once a lottery's winners are drawn", () => {
    expect(couponStatusAt({ ...coupon, drawnAt: endsAt }, false, new Date(endsAt.getTime() + 1))).toBe("DRAWN");
  });
});
