import pino from "pino";
import { describe, expect, it } from "vitest";
import { KafkaIssueRequestPublisher } from "../src/adapters/kafka-issue-request-publisher.ts";
import { createApiMetrics } from "../src/metrics.ts";
import { recordingProducer } from "./support/recording-producer.ts";
import { testApp, userToken } from "./support/test-app.ts";

/** The value of one series in Prometheus' text format, 0 when absent. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split("\n")) {
    const match = line.match(/^([\w:]+)(?:\{(.*)\})? (\S+)$/);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

describe("GET /metrics", () => {
  it("counts and times requests by route template and status, beside the process defaults", async () => {
    const metrics = createApiMetrics();
    const t = await testApp({ metrics });
    const coupon = t.addCoupon();
    const issue = { method: "POST" as const, url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken()}` } };
    await t.app.inject(issue);
    await t.app.inject(issue);
    await t.app.inject({ ...issue, headers: {} });
    await t.app.inject({ url: "/nowhere" });

    const scraped = await t.app.inject({ url: "/metrics" });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers["content-type"]).toContain("text/plain");
    const route = { method: "POST", route: "/coupons/:couponId/issue" };
    expect(sample(scraped.body, "dibs_api_http_requests_total", { ...route, status_code: "202" })).toBe(2);
    expect(sample(scraped.body, "dibs_api_http_requests_total", { ...route, status_code: "401" })).toBe(1);
    expect(sample(scraped.body, "dibs_api_http_requests_total", { route: "unmatched", status_code: "404" })).toBe(1);
    expect(sample(scraped.body, "dibs_api_http_request_duration_seconds_count", { ...route, status_code: "202" })).toBe(2);
    expect(sample(scraped.body, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(scraped.body).toContain("nodejs_eventloop_lag_seconds");
    await t.app.close();
  });
});

describe("the Kafka publisher's metrics", () => {
  it("observe each batch's size and the time to its acknowledgement", async () => {
    const metrics = createApiMetrics();
    const { producer, sends, partitions } = recordingProducer();
    const publisher = new KafkaIssueRequestPublisher(producer, partitions, { ackTimeoutMs: 1_000 }, pino({ level: "silent" }), metrics);

    const request = (n: number) => ({ requestId: crypto.randomUUID(), couponId: crypto.randomUUID(), userId: `u${n}`, acceptedAt: new Date() });
    await Promise.all([1, 2, 3].map((n) => publisher.publish(request(n), {})));

    expect(sends).toHaveLength(1);
    const exposition = await metrics.registry.metrics();
    expect(sample(exposition, "dibs_api_kafka_produce_batch_messages_sum")).toBe(3);
    expect(sample(exposition, "dibs_api_kafka_produce_batch_messages_count")).toBe(1);
    expect(sample(exposition, "dibs_api_kafka_produce_ack_duration_seconds_count", { outcome: "acknowledged" })).toBe(1);
  });
});
