import { describe, expect, it } from "vitest";
import { remainingStock, windowStateAt } from "../src/coupon.ts";

const startsAt = new Date("2026-01-01T10:00:00Z");
const endsAt = new Date("2026-01-01T11:00:00Z");

describe("windowStateAt", () => {
  it("is open from startsAt, inclusive, to endsAt, exclusive", () => {
    expect(windowStateAt({ startsAt, endsAt }, new Date(startsAt.getTime() - 1))).toBe("NOT_STARTED");
    expect(windowStateAt({ startsAt, endsAt }, startsAt)).toBe("OPEN");
    expect(windowStateAt({ startsAt, endsAt }, new Date(endsAt.getTime() - 1))).toBe("OPEN");
    expect(windowStateAt({ startsAt, endsAt }, endsAt)).toBe("ENDED");
  });

  it("is always open without bounds", () => {
    expect(windowStateAt({ startsAt: null, endsAt: null }, new Date(0))).toBe("OPEN");
  });
});

describe("remainingStock", () => {
  it("never goes below zero", () => {
    expect(remainingStock({ stock: 5, issuedCount: 2 })).toBe(3);
    expect(remainingStock({ stock: 5, issuedCount: 7 })).toBe(0);
  });
});
