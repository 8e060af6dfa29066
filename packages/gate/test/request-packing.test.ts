import { describe, expect, it } from "vitest";
import { packRequests, unpackVerdicts } from "../src/redis-issue-gate.ts";

const request = (requestId: string, userId: string) => ({ requestId, couponId: "c", userId, acceptedAt: new Date(0) });

describe("packRequests", () => {
  it("writes each id as its length in UTF-8 bytes, three digits, then the id", () => {
    expect(packRequests([request("r1", "bob"), request("r2", "김")])).toBe("002r1003bob002r2003김");
  });

  it("refuses an id longer than three digits can say", () => {
    expect(() => packRequests([request("r", "x".repeat(1_000))])).toThrow("1000 bytes");
  });
});

describe("unpackVerdicts", () => {
  it("splits the script's answer, and an empty batch has none", () => {
    expect(unpackVerdicts("ISSUED:1,SOLD_OUT")).toEqual(["ISSUED:1", "SOLD_OUT"]);
    expect(unpackVerdicts("")).toEqual([]);
  });
});
