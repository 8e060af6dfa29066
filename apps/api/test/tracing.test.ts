import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { KafkaIssueRequestPublisher } from "../src/adapters/kafka-issue-request-publisher.ts";
import { createApiMetrics } from "../src/metrics.ts";
import { recordingProducer } from "./support/recording-producer.ts";
import { testApp, userToken } from "./support/test-app.ts";

async function tracedApp() {
  const kafka = recordingProducer();
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const t = await testApp({ logger: log });
  t.deps.publisher = new KafkaIssueRequestPublisher(kafka.producer, kafka.partitions, { ackTimeoutMs: 1_000 }, log, createApiMetrics());
  return { ...t, ...kafka, lines };
}

describe("trace context from the API into Kafka", () => {
  it("continues the caller's W3C trace in a new span and puts it and the request id in the message headers", async () => {
    const t = await tracedApp();
    const coupon = t.addCoupon();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await t.app.inject({
      method: "POST",
      url: `/coupons/${coupon.id}/issue`,
      headers: { authorization: `Bearer ${userToken()}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "checkout-42" },
    });
    expect(response.statusCode).toBe(202);
    expect(response.headers["x-request-id"]).toBe("checkout-42");

    const headers = t.sends[0]!.messages[0]!.headers;
    expect(headers).toEqual({ traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`)), "x-request-id": "checkout-42" });
    expect(headers!.traceparent).not.toContain("00f067aa0ba902b7");
    expect(t.lines).toContainEqual(
      expect.objectContaining({ msg: "issue request published", reqId: "checkout-42", traceId, requestId: response.json().requestId, couponId: coupon.id }),
    );
    await t.app.close();
  });

  it("writes the request id and the trace id on every line a request logs, and makes no logger for a request that logs nothing", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const t = await testApp({ logger: log });
    const coupon = t.addCoupon();
    await t.app.ready();
    // Every pino logger's child() is this one method of pino's prototype.
    const children = vi.spyOn(Object.getPrototypeOf(log) as typeof log, "child");
    const ask = () => t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken()}` } });
    expect((await ask()).statusCode).toBe(202);
    expect(children).not.toHaveBeenCalled();
    children.mockRestore();

    t.deps.publisher = { answerDeadlineMs: 1_000, publish: async () => Promise.reject(new Error("a bug")) };
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const failed = await t.app.inject({
      method: "POST",
      url: `/coupons/${coupon.id}/issue`,
      headers: { authorization: `Bearer ${userToken()}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "checkout-43" },
    });
    expect(failed.statusCode).toBe(500);
    expect(lines).toContainEqual(expect.objectContaining({ msg: "unhandled error", reqId: "checkout-43", traceId }));
    await t.app.close();
  });

  it("starts a trace when the caller sent none or a malformed one, one per request", async () => {
    const t = await tracedApp();
    const coupon = t.addCoupon();
    const ask = (traceparent?: string) =>
      t.app.inject({
        method: "POST",
        url: `/coupons/${coupon.id}/issue`,
        headers: { authorization: `Bearer ${userToken()}`, ...(traceparent ? { traceparent } : {}) },
      });
    await ask();
    await ask("00-zz-not-a-trace");
    const traceparents = t.sends.flatMap((s) => s.messages.map((m) => m.headers!.traceparent as string));
    expect(traceparents).toHaveLength(2);
    for (const tp of traceparents) expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceparents[0]!.slice(3, 35)).not.toBe(traceparents[1]!.slice(3, 35));
    await t.app.close();
  });
});
