import type { DecidedRequest } from "@dibs/domain";
import { describe, expect, it } from "vitest";
import { decodeDecisionNotices, encodeDecisionNotices } from "../src/redis-channels.ts";

describe("decision notices", () => {
  it("carry each decided request's id and decision, and nothing else", () => {
    const acceptedAt = new Date("2026-01-01T00:00:00Z");
    const decided: DecidedRequest[] = [
      { requestId: "r-1", couponId: "c", userId: "alice", acceptedAt, decision: "ISSUED" },
      { requestId: "r-2", couponId: "c", userId: "bob", acceptedAt, decision: "SOLD_OUT" },
    ];
    const message = encodeDecisionNotices(decided);
    expect(message).not.toContain("alice");
    expect(decodeDecisionNotices(message)).toEqual([
      { requestId: "r-1", decision: "ISSUED" },
      { requestId: "r-2", decision: "SOLD_OUT" },
    ]);
  });
});
