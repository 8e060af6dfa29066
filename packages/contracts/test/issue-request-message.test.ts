import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIssueRequest, encodeIssueRequest, issueRequestMessageSchema } from "../src/issue-request-message.ts";

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

  it("accepts exactly what its schema accepts, whatever the message holds", () => {
    const uuid = fc.oneof(
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0190b6a0-0000-0000-8000-000000000001"),
      fc.constantFrom("0190b6a0-0000-7000-c000-000000000001", "0190b6a0-0000-9000-8000-000000000001", "0190b6a00000-7000-8000-000000000001"),
      fc.string({ maxLength: 40 }),
    );
    const datetime = fc.oneof(
      fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2026-01-01T00:00:00+09:00", "2026-01-01T00:00:00", "2026-01-01T24:00:00Z"),
      fc.constantFrom("2026-01-01T00:00:00.1234567Z", "2026-01-01t00:00:00z", "2026-01-01T00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00+0900"),
      fc.string({ maxLength: 30 }),
    );
    const userId = fc.oneof(
      fc.string({ minLength: 0, maxLength: 130 }),
      fc.string({ unit: "grapheme", maxLength: 70 }),
      fc.constantFrom("", "x".repeat(128), "x".repeat(129), "😀".repeat(64), "😀".repeat(65)),
    );
    const value = fc.oneof(fc.constant(1), fc.constant(2), fc.constant("1"), fc.integer(), fc.constant(null));
    const message = fc.record(
      { v: value, requestId: uuid, couponId: uuid, userId: fc.oneof(userId, fc.integer()), acceptedAt: datetime, extra: fc.anything() },
      { requiredKeys: [] },
    );
    const candidates = fc.oneof(
      // A well-formed message with some of its fields changed: mostly one step from valid, where the two could part.
      { weight: 4, arbitrary: message.map((m) => ({ ...JSON.parse(encodeIssueRequest(request).value), ...m })) },
      { weight: 4, arbitrary: message },
      { weight: 1, arbitrary: fc.anything() },
    );
    fc.assert(
      fc.property(candidates, (json) => {
        const text = JSON.stringify(json);
        if (text === undefined) return;
        expect(decodeIssueRequest(Buffer.from(text)).ok).toBe(issueRequestMessageSchema.safeParse(JSON.parse(text)).success);
      }),
      { numRuns: 20_000 },
    );
  });
});
