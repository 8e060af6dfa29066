import { describe, expect, it } from "vitest";
import { readinessOf } from "../src/readiness.ts";

describe("readiness", () => {
  it("says which dependency is unavailable without its error text, and logs the text", async () => {
    const logged: string[] = [];
    const ask = readinessOf(
      { postgres: async () => undefined, redis: async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:6379 (user dibs)")) },
      { cacheMs: 0, onFailure: (name, error) => logged.push(`${name}: ${(error as Error).message}`) },
    );
    expect(await ask()).toEqual({ ready: false, checks: { postgres: "ok", redis: "unavailable" } });
    expect(logged).toEqual(["redis: connect ECONNREFUSED 10.0.0.7:6379 (user dibs)"]);
  });

  it("asks the dependencies once per period, however often it is asked", async () => {
    let asked = 0;
    const ask = readinessOf({ postgres: async () => void (asked += 1) }, { cacheMs: 60_000, onFailure: () => undefined });
    await Promise.all(Array.from({ length: 100 }, () => ask()));
    await ask();
    expect(asked).toBe(1);
  });
});
