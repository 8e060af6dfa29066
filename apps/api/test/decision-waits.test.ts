import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { testApp, userToken } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => current?.app.close());

async function acceptedFor(user: string) {
  const t = current!;
  const coupon = t.addCoupon();
  const response = await t.app.inject({ method: "POST", url: `/coupons/${coupon.id}/issue`, headers: { authorization: `Bearer ${userToken(user)}` } });
  return { coupon, requestId: response.json().requestId as string };
}

const waitFor = (requestId: string, user: string, seconds = 2) =>
  current!.app.inject({ url: `/issue-requests/${requestId}`, headers: { authorization: `Bearer ${userToken(user)}`, prefer: `wait=${seconds}` } });

describe("clients waiting for a decision", () => {
  it("are held to a limit per user: past it 429 TOO_MANY_WAITS with Retry-After, while another user still waits", { timeout: 30_000 }, async () => {
    current = await testApp({ waits: { perUser: 2 } });
    const mine = await Promise.all([0, 1, 2].map(() => acceptedFor("alice")));
    const theirs = await acceptedFor("bob");
    const held = [waitFor(mine[0]!.requestId, "alice"), waitFor(mine[1]!.requestId, "alice")];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await waitFor(mine[2]!.requestId, "alice");
    expect([refused.statusCode, refused.json().code, refused.headers["retry-after"]]).toEqual([429, "TOO_MANY_WAITS", "5"]);
    expect((await waitFor(theirs.requestId, "bob", 1)).statusCode).toBe(200);
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
  });

  it("are woken by the issuer's announcement, with one read per sweep for all of them, not a read per waiter", { timeout: 30_000 }, async () => {
    current = await testApp({ waits: { sweepMs: 1_000 } });
    const t = current;
    let reads = 0;
    const { findDecision, findDecisions } = t.deps.queries;
    t.deps.queries.findDecision = (id) => ((reads += 1), findDecision(id));
    t.deps.queries.findDecisions = (ids) => ((reads += 1), findDecisions(ids));
    const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    const accepted = await Promise.all(users.map((u) => acceptedFor(u)));
    reads = 0;
    const waiting = accepted.map(({ requestId }, i) => waitFor(requestId, users[i]!, 10));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const now = new Date();
    for (const [i, { coupon, requestId }] of accepted.entries()) {
      t.decisions.set(requestId, { requestId, couponId: coupon.id, userId: users[i]!, decision: "ISSUED", reason: null, acceptedAt: now, decidedAt: now });
    }
    t.announce(accepted.map((a) => a.requestId));
    const answered = await Promise.all(waiting);
    expect(answered.map((r) => r.json().status)).toEqual(users.map(() => "ISSUED"));
    // Each of the 30 looked once on arrival; then a sweep or two over 2.5 s, and the announcement's one read.
    expect(reads).toBeLessThanOrEqual(30 + 4);
  });

  it("end their status streams when the instance shuts down, telling the client to reconnect", { timeout: 30_000 }, async () => {
    current = await testApp();
    const { requestId } = await acceptedFor("alice");
    await current.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = current.app.server.address() as AddressInfo;
    const stream = await fetch(`http://127.0.0.1:${port}/issue-requests/${requestId}/events`, { headers: { authorization: `Bearer ${userToken("alice")}` } });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"status":"PENDING"');

    const closing = Date.now();
    const closed = current.app.close();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    await closed;
    current = undefined;
    expect(rest).toContain("retry: 1000");
    expect(Date.now() - closing).toBeLessThan(2_000);
  });
});
