import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { buildHealthServer } from "../src/health.ts";

const up = async () => undefined;
const down = async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:5432"));
const log = pino({ level: "silent" });

describe("the issuer's health server", () => {
  it("/livez answers while a dependency is down", async () => {
    const health = buildHealthServer({ postgres: down }, new Registry(), log);
    const response = await health.inject({ url: "/livez" });
    expect([response.statusCode, response.json()]).toEqual([200, { status: "ok" }]);
  });

  it("/readyz is 200 when Kafka, Redis and Postgres answer, 503 naming the one that does not, never its error", async () => {
    const ready = buildHealthServer({ kafka: up, redis: up, postgres: up }, new Registry(), log);
    const readyResponse = await ready.inject({ url: "/readyz" });
    expect([readyResponse.statusCode, readyResponse.json()]).toEqual([200, { status: "ready", checks: { kafka: "ok", redis: "ok", postgres: "ok" } }]);
    const notReady = buildHealthServer({ kafka: up, postgres: down }, new Registry(), log);
    const notReadyResponse = await notReady.inject({ url: "/readyz" });
    expect([notReadyResponse.statusCode, notReadyResponse.json()]).toEqual([503, { status: "not ready", checks: { kafka: "ok", postgres: "unavailable" } }]);
    expect(notReadyResponse.body).not.toContain("ECONNREFUSED");
  });

  it("/readyz is 503 while the issuer drains", async () => {
    const health = buildHealthServer({ kafka: up }, new Registry(), log, () => true);
    const response = await health.inject({ url: "/readyz" });
    expect([response.statusCode, response.json()]).toEqual([503, { status: "not ready", checks: { kafka: "ok", shutdown: "draining" } }]);
  });

  it("/metrics serves the registry", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ app: "issuer" });
    const response = await buildHealthServer({}, registry, log).inject({ url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe(registry.contentType);
  });
});
