import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { testApp, userToken } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => current?.app.close());

async function accepted() {
  current = await testApp();
  const t = current;
  const coupon = t.addCoupon();
  const response = await t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken("alice")}` } });
  return { t, coupon, requestId: response.json().requestId as string };
}

function status(t: Awaited<ReturnType<typeof testApp>>, requestId: string, user: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: "GET", url: `/issue-requests/${requestId}`, headers: { authorization: `Bearer ${userToken(user)}`, ...headers } });
}

describe("GET /issue-requests/:requestId", () => {
  it("shows the owner PENDING before the decision, and the decision after", async () => {
    const { t, coupon, requestId } = await accepted();
    expect((await status(t, requestId, "alice")).json()).toEqual({ requestId, status: "PENDING", position: 1, ahead: 0, remaining: 10 });
    t.decisions.set(requestId, issuedTo("alice", requestId, coupon.id));
    expect((await status(t, requestId, "alice")).json()).toMatchObject({ requestId, status: "ISSUED", couponId: coupon.id });
  });

  it("answers 404 to anyone else, pending or decided", async () => {
    const { t, coupon, requestId } = await accepted();
    expect((await status(t, requestId, "mallory")).statusCode).toBe(404);
    t.decisions.set(requestId, issuedTo("alice", requestId, coupon.id));
    const decided = await status(t, requestId, "mallory");
    expect(decided.statusCode).toBe(404);
    expect(decided.json().code).toBe("ISSUE_REQUEST_NOT_FOUND");
  });

  it("answers 404 for an id the API never gave out", async () => {
    current = await testApp();
    expect((await status(current, "0190b6a0-0000-7000-8000-000000000001", "alice")).statusCode).toBe(404);
  });

  it("waits with Prefer: wait=N and answers as soon as the decision exists", async () => {
    const { t, coupon, requestId } = await accepted();
    setTimeout(() => {
      t.decisions.set(requestId, {
        requestId,
        couponId: coupon.id,
        userId: "alice",
        decision: "SOLD_OUT",
        reason: null,
        acceptedAt: new Date(),
        decidedAt: new Date(),
      });
    }, 300);
    const started = Date.now();
    const response = await status(t, requestId, "alice", { prefer: "wait=5" });
    expect(response.json().status).toBe("SOLD_OUT");
    expect(response.headers["preference-applied"]).toBe("wait=5");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("lists the caller's issued coupons under /me/coupons", async () => {
    const { t, coupon, requestId } = await accepted();
    t.decisions.set(requestId, issuedTo("alice", requestId, coupon.id));
    const mine = await t.app.inject({ method: "GET", url: "/me/coupons", headers: { authorization: `Bearer ${userToken("alice")}` } });
    const theirs = await t.app.inject({ method: "GET", url: "/me/coupons", headers: { authorization: `Bearer ${userToken("bob")}` } });
    expect(mine.json().coupons).toEqual([expect.objectContaining({ couponId: coupon.id, requestId })]);
    expect(theirs.json().coupons).toEqual([]);
  });
});

describe("GET /issue-requests/:requestId/events", () => {
  it("streams the request's place in line as those ahead are decided, then its final status", { timeout: 30_000 }, async () => {
    current = await testApp();
    const t = current;
    const coupon = t.addCoupon();
    const ids: string[] = [];
    for (const user of ["alice", "bob", "carol"]) {
      const response = await t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken(user)}` } });
      ids.push(response.json().requestId);
    }
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    const stream = await fetch(`http://127.0.0.1:${port}/issue-requests/${ids[2]}/events`, { headers: { authorization: `Bearer ${userToken("carol")}` } });
    const events = statusEvents(stream.body!);
    expect(await events.next()).toEqual({ requestId: ids[2], status: "PENDING", position: 3, ahead: 2, remaining: 10 });
    t.decisions.set(ids[0]!, issuedTo("alice", ids[0]!, coupon.id));
    expect(await events.next()).toEqual({ requestId: ids[2], status: "PENDING", position: 3, ahead: 1, remaining: 10 });
    t.decisions.set(ids[1]!, issuedTo("bob", ids[1]!, coupon.id));
    expect(await events.next()).toMatchObject({ status: "PENDING", ahead: 0 });
    t.decisions.set(ids[2]!, issuedTo("carol", ids[2]!, coupon.id));
    t.announce([ids[2]!]);
    expect(await events.next()).toMatchObject({ requestId: ids[2], status: "ISSUED" });
    expect(await events.next()).toBeNull();
  });
});

/** The `status` events of a stream, one at a time; null once it ends. */
function statusEvents(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async next(): Promise<unknown> {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = event.split("\n").find((line) => line.startsWith("data: "));
          if (event.startsWith("event: status") && data) return JSON.parse(data.slice(6));
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) return null;
        buffered += decoder.decode(chunk.value, { stream: true });
      }
    },
  };
}

/** The decision the issuer records for a request it issued. */
function issuedTo(userId: string, requestId: string, couponId: string) {
  return { requestId, couponId, userId, decision: "ISSUED" as const, reason: null, acceptedAt: new Date(), decidedAt: new Date() };
}
