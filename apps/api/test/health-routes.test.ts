import { describe, expect, it } from "vitest";
import { testApp } from "./support/test-app.ts";

const up = async () => undefined;
const down = async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:6379 (user dibs)"));

describe("/livez and /readyz", () => {
  it("/livez answers while a dependency is down", async () => {
    const { app } = await testApp({}, { readiness: { redis: down } });
    const response = await app.inject({ method: "GET", url: "/livez" });
    expect([response.statusCode, response.json()]).toEqual([200, { status: "ok" }]);
  });

  it("/readyz is 200 when Kafka, Redis and Postgres answer", async () => {
    const { app } = await testApp({}, { readiness: { kafka: up, redis: up, postgres: up } });
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect([response.statusCode, response.json()]).toEqual([200, { status: "ready", checks: { kafka: "ok", redis: "ok", postgres: "ok" } }]);
  });

  it("/readyz is 503 naming the dependency that does not answer, never its error", async () => {
    const { app } = await testApp({}, { readiness: { kafka: up, redis: down } });
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect([response.statusCode, response.json()]).toEqual([503, { status: "not ready", checks: { kafka: "ok", redis: "unavailable" } }]);
    expect(response.body).not.toContain("ECONNREFUSED");
  });

  it("/readyz is 503 while the process drains", async () => {
    const { app } = await testApp({ isDraining: () => true }, { readiness: { postgres: up } });
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect([response.statusCode, response.json()]).toEqual([503, { status: "not ready", checks: { postgres: "ok", shutdown: "draining" } }]);
  });
});
