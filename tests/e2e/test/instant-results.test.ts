import type { Issuer } from "@dibs/issuer/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../src/http.ts";
import { createCoupon } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

/** Reads Server-Sent Events until the stream closes; returns the `status` events' data. */
async function readEvents(url: string, token: string, onFirst?: () => Promise<void>): Promise<Array<{ status: string }>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const events: Array<{ status: string }> = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split("\n").find((line) => line.startsWith("data: "));
      if (data) {
        events.push(JSON.parse(data.slice(6)));
        if (events.length === 1) await onFirst?.();
      }
    }
  }
  return events;
}

describe("instant results across API instances", () => {
  let apis: RunningApi[];
  let issuers: Issuer[] = [];

  beforeAll(async () => {
    apis = await Promise.all([startApi(), startApi()]);
  });

  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()));
    await Promise.all(issuers.map((i) => i.stop()));
  });

  it("streams PENDING, then the final status from another instance the moment it is decided", async () => {
    const [a, b] = apis as [RunningApi, RunningApi];
    const couponId = await createCoupon(a.url, { name: "sse", stock: 5 });
    const token = tokenFor(`sse-${Date.now()}`);
    const accepted = await call<{ requestId: string }>(`${a.url}/coupons/${couponId}/issue`, { method: "POST", token });
    expect(accepted.status).toBe(202);
    // The issuer starts only once the client is listening on instance B: the decision must reach it live.
    const events = await readEvents(`${b.url}/issue-requests/${accepted.body.requestId}/events`, token, async () => {
      issuers = await startIssuers(1);
    });
    expect(events.map((e) => e.status)).toEqual(["PENDING", "ISSUED"]);
  });

  it("answers Prefer: wait as soon as the decision exists, on any instance", async () => {
    const [a, b] = apis as [RunningApi, RunningApi];
    const couponId = await createCoupon(a.url, { name: "prefer wait", stock: 5 });
    const token = tokenFor(`wait-${Date.now()}`);
    const accepted = await call<{ requestId: string }>(`${a.url}/coupons/${couponId}/issue`, { method: "POST", token });
    const started = Date.now();
    const status = await call<{ status: string }>(`${b.url}/issue-requests/${accepted.body.requestId}`, { token, headers: { prefer: "wait=10" } });
    expect(status.body.status).toBe("ISSUED");
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it("answers 404 to another user's stream", async () => {
    const [a] = apis as [RunningApi];
    const couponId = await createCoupon(a.url, { name: "sse 404", stock: 5 });
    const accepted = await call<{ requestId: string }>(`${a.url}/coupons/${couponId}/issue`, { method: "POST", token: tokenFor("owner") });
    const response = await call(`${a.url}/issue-requests/${accepted.body.requestId}/events`, { token: tokenFor("someone-else") });
    expect(response.status).toBe(404);
  });
});
