import { describe, expect, it } from "vitest";
import { healthOf } from "../src/health.ts";

const up = async () => undefined;
const down = async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:6379"));

describe("health", () => {
  it("is live whatever the dependencies", () => {
    const health = healthOf(() => ({ redis: down }), { cacheMs: 0, onFailure: () => undefined, isDraining: () => false });
    expect(health.live()).toEqual({ status: "ok" });
  });

  it("is ready when every dependency answers", async () => {
    const health = healthOf(() => ({ kafka: up, redis: up }), { cacheMs: 0, onFailure: () => undefined, isDraining: () => false });
    expect(await health.ready()).toEqual({ statusCode: 200, body: { status: "ready", checks: { kafka: "ok", redis: "ok" } } });
  });

  it("says which dependency is unavailable, not why: that goes to the log", async () => {
    const logged: string[] = [];
    const health = healthOf(() => ({ kafka: up, redis: down }), {
      cacheMs: 0,
      onFailure: (dependency, error) => logged.push(`${dependency}: ${(error as Error).message}`),
      isDraining: () => false,
    });
    expect(await health.ready()).toEqual({ statusCode: 503, body: { status: "not ready", checks: { kafka: "ok", redis: "unavailable" } } });
    expect(logged).toEqual(["redis: connect ECONNREFUSED 10.0.0.7:6379"]);
  });

  it("is not ready while the process drains, its dependencies fine", async () => {
    let draining = false;
    const health = healthOf(() => ({ postgres: up }), { cacheMs: 60_000, onFailure: () => undefined, isDraining: () => draining });
    expect((await health.ready()).statusCode).toBe(200);
    draining = true;
    expect(await health.ready()).toEqual({ statusCode: 503, body: { status: "not ready", checks: { postgres: "ok", shutdown: "draining" } } });
  });

  it("looks for its dependencies only when first asked", async () => {
    let looked = 0;
    const health = healthOf(() => (looked++, { postgres: up }), { cacheMs: 0, onFailure: () => undefined, isDraining: () => false });
    expect(looked).toBe(0);
    await health.ready();
    await health.ready();
    expect(looked).toBe(1);
  });
});
