import { describe, expect, it } from "vitest";
import { decodeIssueRequest, encodeIssueRequest } from "../src/issue-request-message.ts";

const request = {
  requestId: "0190b6a0-0000-7000-8000-000000000001",
  couponId: "0190b6a0-0000-7000-8000-0000000000aa",
  userId: "alice",
  acceptedAt: new Date("2026-01-01T00:00:00.123Z"),
};

describe("issue request message", () => {
  it("round-trips and is keyed by coupon", () => {
    const encoded = encodeIssueRequest(request);
    expect(encoded.key).toBe(request.couponId);
    expect(decodeIssueRequest(Buffer.from(encoded.value))).toEqual({ ok: true, request });
  });

  it.each([
    ["empty", null, "empty message"],
    ["not JSON", Buffer.from("{nope"), "not JSON"],
    ["wrong version", Buffer.from(JSON.stringify({ ...JSON.parse(encodeIssueRequest(request).value), v: 2 })), "wrong schema"],
    ["unknown field", Buffer.from(JSON.stringify({ ...JSON.parse(encodeIssueRequest(request).value), admin: true })), "wrong schema"],
    ["bad uuid", Buffer.from(JSON.stringify({ ...JSON.parse(encodeIssueRequest(request).value), couponId: "x" })), "wrong schema"],
  ])("refuses %s with a reason", (_, value, reason) => {
    const result = decodeIssueRequest(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
