import type { DecidedRequest } from "@dibs/domain";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { logDecisions } from "../src/decision-log.ts";
import { decodeIncoming } from "../src/incoming-message.ts";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function decided(requestId: string): DecidedRequest {
  return { requestId, couponId: "c-1", userId: "alice", acceptedAt: new Date("2026-01-01T00:00:00Z"), decision: "ISSUED" };
}

function logged(headers: Record<string, Buffer>) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ base: null, timestamp: false }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const message = decodeIncoming({ offset: "41", key: null, value: Buffer.from("{not a request"), headers });
  logDecisions(log, [decided("r-1")], () => message);
  return lines;
}

describe("decision log", () => {
  it("names the API's request id and the trace the message came with", () => {
    expect(logged({ traceparent: Buffer.from(traceparent), "x-request-id": Buffer.from("req-7") })).toEqual([
      {
        level: 30,
        msg: "issue request decided",
        requestId: "r-1",
        couponId: "c-1",
        decision: "ISSUED",
        offset: "41",
        reqId: "req-7",
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        traceparent,
      },
    ]);
  });

  it("keeps a traceparent it cannot read as it came, and says nothing of a trace the message has none of", () => {
    expect(logged({ traceparent: Buffer.from("garbage") })[0]).toMatchObject({ traceparent: "garbage" });
    expect(logged({ traceparent: Buffer.from("garbage") })[0]).not.toHaveProperty("traceId");
    expect(logged({})[0]).not.toHaveProperty("traceparent");
    expect(logged({})[0]).not.toHaveProperty("reqId");
  });
});
