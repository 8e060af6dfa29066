import { describe, expect, it } from "vitest";
import { decodeIssueRequest, encodeIssueRequest } from "../src/issue-request-message.ts";
import { formatTraceparent, fromKafkaHeaders, parseTraceparent } from "../src/trace-headers.ts";

const request = {
  requestId: "0190b6a0-0000-7000-8000-000000000001",
  couponId: "0190b6a0-0000-7000-8000-0000000000aa",
  userId: "alice",
  acceptedAt: new Date("2026-01-01T00:00:00.123Z"),
};
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("trace headers on issue request messages", () => {
  it("carry the traceparent and the API's request id beside an unchanged value", () => {
    const plain = encodeIssueRequest(request);
    const traced = encodeIssueRequest(request, { traceparent, requestId: "req-7" });
    expect(plain.headers).toBeUndefined();
    expect(traced.value).toBe(plain.value);
    expect(traced.headers).toEqual({ traceparent, "x-request-id": "req-7" });
    expect(decodeIssueRequest(Buffer.from(traced.value))).toEqual({ ok: true, request });
  });

  it("read back from consumed headers, which kafkajs hands over as buffers; none on older messages", () => {
    expect(fromKafkaHeaders({ traceparent: Buffer.from(traceparent), "x-request-id": Buffer.from("req-7") })).toEqual({ traceparent, requestId: "req-7" });
    expect(fromKafkaHeaders(undefined)).toEqual({});
    expect(fromKafkaHeaders({ "dibs-other": Buffer.from("x") })).toEqual({});
  });

  it("parse version-00 traceparents only", () => {
    expect(parseTraceparent(traceparent)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", flags: "01" });
    expect(formatTraceparent(parseTraceparent(traceparent)!)).toBe(traceparent);
    for (const bad of [undefined, "", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });
});
