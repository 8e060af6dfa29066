import { describe, expect, it } from "vitest";
import { formatTraceparent, parseTraceparent } from "../src/traceparent.ts";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("traceparent", () => {
  it("parses version-00 traceparents only", () => {
    expect(parseTraceparent(traceparent)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", flags: "01" });
    expect(formatTraceparent(parseTraceparent(traceparent)!)).toBe(traceparent);
    for (const bad of [
      undefined,
      "",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });
});
