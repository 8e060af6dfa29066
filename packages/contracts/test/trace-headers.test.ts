import { describe, expect, it } from "vitest";
import { decodeIssueRequest, decodeIssueRequestMessage, encodeIssueRequest } from "../src/issue-request-message.ts";
import { decodeTraceHeaders } from "../src/trace-headers.ts";

const request = {
  requestId: "0190b6a0-0000-7000-8000-000000000001",
  couponId: "0190b6a0-0000-7000-8000-0000000000aa",
  userId: "alice",
  acceptedAt: new Date("2026-01-01T00:00:00.123Z"),
};
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

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
    expect(decodeTraceHeaders({ traceparent: Buffer.from(traceparent), "x-request-id": Buffer.from("req-7") })).toEqual({
      traceparent,
      traceId,
      requestId: "req-7",
    });
    expect(decodeTraceHeaders(undefined)).toEqual({});
    expect(decodeTraceHeaders({ "dibs-other": Buffer.from("x") })).toEqual({});
  });

  it("keep a traceparent that is not valid as it came, without a trace id", () => {
    expect(decodeTraceHeaders({ traceparent: Buffer.from("01-nonsense") })).toEqual({ traceparent: "01-nonsense" });
  });

  it("are decoded with the value, also when the value cannot be read", () => {
    const traced = encodeIssueRequest(request, { traceparent, requestId: "req-7" });
    const headers = { ...traced.headers, "dibs-other": "x" };
    expect(decodeIssueRequestMessage({ value: Buffer.from(traced.value), headers })).toEqual({
      ok: true,
      request,
      trace: { traceparent, traceId, requestId: "req-7" },
    });
    expect(decodeIssueRequestMessage({ value: Buffer.from("{nope"), headers })).toMatchObject({
      ok: false,
      trace: { traceparent, traceId, requestId: "req-7" },
    });
  });
});
