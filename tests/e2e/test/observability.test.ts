import { randomBytes } from "node:crypto";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import { buildHealthServer } from "@dibs/issuer/health";
import { createIssuer, type Issuer } from "@dibs/issuer/wiring";
import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, waitFor } from "../src/http.ts";
import { createCoupon, drained, flood } from "../src/sale.ts";
import { type RunningApi, startApi, tokenFor } from "../src/system.ts";

/** The value of one series in Prometheus' text format, 0 when absent. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split("\n")) {
    const match = line.match(/^([\w:]+)(?:\{(.*)\})? (\S+)$/);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}

describe("metrics and traces of a small sale, through the real API, Kafka and issuer", () => {
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const issuerLog: Array<Record<string, unknown>> = [];
  let api: RunningApi;
  let issuer: Issuer;

  beforeAll(async () => {
    const log = pino({ level: "info" }, { write: (line: string) => void issuerLog.push(JSON.parse(line)) });
    issuer = createIssuer(
      { DATABASE_URL: testEnv.databaseUrl, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: testEnv.kafkaBrokers, ISSUER_GROUP_ID: testEnv.issuerGroupId },
      log,
    );
    [api] = await Promise.all([startApi(), issuer.start()]);
  });

  afterAll(async () => {
    await api?.close();
    await issuer?.stop();
    await prisma.$disconnect();
  });

  it("moves the API's and the issuer's metrics", async () => {
    const couponId = await createCoupon(api.url, { name: "observed sale", stock: 3 });
    const run = Date.now().toString(36);
    const observed = await flood(
      api.url,
      couponId,
      Array.from({ length: 6 }, (_, i) => `observed-${run}-${i}`),
      6,
    );
    await drained(prisma, observed);

    const producer = createKafka({ brokers: testEnv.kafkaBrokers, clientId: "e2e-observability" }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: [{ key: couponId, value: `{poison ${run}` }] });
    await producer.disconnect();

    const health = buildHealthServer(issuer.readiness, issuer.metrics.registry, pino({ level: "silent" }));
    const issuerMetrics = await waitFor(
      "the poison message to be counted",
      async () => {
        const body = (await health.inject({ url: "/metrics" })).body;
        return sample(body, "dibs_issuer_dead_letters_total", { kind: "poison" }) >= 1 ? body : undefined;
      },
      30_000,
    );
    await health.close();

    const accepted = observed.filter((o) => o.status === 202).length;
    expect(sample(issuerMetrics, "dibs_issuer_decisions_total", { decision: "ISSUED" })).toBeGreaterThanOrEqual(3);
    expect(sample(issuerMetrics, "dibs_issuer_decisions_total")).toBeGreaterThanOrEqual(accepted);
    expect(sample(issuerMetrics, "dibs_issuer_decision_latency_seconds_count")).toBeGreaterThanOrEqual(accepted);
    expect(sample(issuerMetrics, "dibs_issuer_db_transaction_duration_seconds_count", { operation: "record" })).toBeGreaterThanOrEqual(1);
    expect(sample(issuerMetrics, "dibs_issuer_redis_script_duration_seconds_count", { operation: "decide" })).toBeGreaterThanOrEqual(1);
    expect(issuerMetrics).toMatch(new RegExp(`dibs_issuer_consumer_lag_messages\\{topic="${ISSUE_REQUEST_TOPIC}",partition="\\d"\\} \\d+`));
    expect(issuerMetrics).toContain("process_resident_memory_bytes");

    const apiText = await (await fetch(`${api.url}/metrics`)).text();
    expect(sample(apiText, "dibs_api_http_requests_total", { route: "/coupons/:couponId/issue", status_code: "202" })).toBe(accepted);
    expect(sample(apiText, "dibs_api_kafka_produce_batch_messages_sum")).toBe(accepted);
    expect(sample(apiText, "dibs_api_kafka_produce_ack_duration_seconds_count", { outcome: "acknowledged" })).toBeGreaterThanOrEqual(1);
  });

  it("carries the caller's trace and the API's request id through Kafka into the issuer's decision log", async () => {
    const couponId = await createCoupon(api.url, { name: "traced sale", stock: 1 });
    const traceId = randomBytes(16).toString("hex");
    const reqId = `trace-e2e-${Date.now().toString(36)}`;
    const response = await call<{ requestId: string }>(`${api.url}/coupons/${couponId}/issue`, {
      method: "POST",
      token: tokenFor(`traced-${reqId}`),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": reqId },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("x-request-id")).toBe(reqId);

    const line = await waitFor(
      "the issuer to log the decision",
      async () => issuerLog.find((l) => l.msg === "issue request decided" && l.requestId === response.body.requestId),
      30_000,
    );
    expect(line).toMatchObject({
      decision: "ISSUED",
      couponId,
      reqId,
      traceId,
      traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`)),
    });
  });
});
