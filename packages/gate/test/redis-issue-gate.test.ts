import { randomUUID } from "node:crypto";
import { decideAgainst, type GateState, type IssueRequest } from "@dibs/domain";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { gateKeys } from "../src/gate-keys.ts";
import { RedisIssueGate } from "../src/redis-issue-gate.ts";
import { isSoldOutAtGate } from "../src/sold-out.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const gate = new RedisIssueGate(redis);
afterAll(() => redis.disconnect());

function request(couponId: string, userId: string, requestId = randomUUID()): IssueRequest {
  return { requestId, couponId, userId, acceptedAt: new Date() };
}

function ledger(couponId: string, stock: number, holders: string[] = [], decisions: Array<{ requestId: string; decision: "ISSUED" }> = []) {
  return { coupon: { id: couponId, name: "t", stock, issuedCount: holders.length, startsAt: null, endsAt: null }, holders, decisions };
}

describe("RedisIssueGate", () => {
  it("holds no state for a coupon it was never given", async () => {
    expect(await gate.decide(randomUUID(), [request("x", "alice")])).toBeNull();
  });

  it("decides exactly as the domain's rules on a random flood", async () => {
    const couponId = randomUUID();
    const stock = 37;
    await gate.rebuild(ledger(couponId, stock));
    const reference: GateState = { stock, issued: 0, holders: new Set(), decisions: new Map() };
    const requests = Array.from({ length: 400 }, () => request(couponId, `user-${Math.floor(Math.random() * 60)}`));
    const replays = requests.filter((_, i) => i % 7 === 0);
    const flood = [...requests, ...replays];
    const decided: string[] = [];
    for (let i = 0; i < flood.length; i += 50) decided.push(...(await gate.decide(couponId, flood.slice(i, i + 50)))!);
    expect(decided).toEqual(flood.map((r) => decideAgainst(reference, r.requestId, r.userId)));
    expect(await redis.hget(gateKeys(couponId).meta, "issued")).toBe(String(reference.issued));
    expect(await redis.scard(gateKeys(couponId).holders)).toBe(reference.holders.size);
  });

  it("keeps the stock even when one batch asks for more than is left", async () => {
    const couponId = randomUUID();
    await gate.rebuild(ledger(couponId, 3));
    const decisions = await gate.decide(couponId, ["a", "b", "c", "d", "e"].map((u) => request(couponId, u)));
    expect(decisions).toEqual(["ISSUED", "ISSUED", "ISSUED", "SOLD_OUT", "SOLD_OUT"]);
    expect(await isSoldOutAtGate(redis, couponId)).toBe(true);
  });

  it("rebuilds from a ledger: holders stay holders, recorded decisions are replayed", async () => {
    const couponId = randomUUID();
    const recorded = randomUUID();
    await gate.rebuild(ledger(couponId, 2, ["alice"], [{ requestId: recorded, decision: "ISSUED" }]));
    expect(await isSoldOutAtGate(redis, couponId)).toBe(false);
    const decisions = await gate.decide(couponId, [request(couponId, "alice", recorded), request(couponId, "alice"), request(couponId, "bob"), request(couponId, "carol")]);
    expect(decisions).toEqual(["ISSUED", "DUPLICATE", "ISSUED", "SOLD_OUT"]);
  });

  it("replaces stale state on rebuild, whatever was there", async () => {
    const couponId = randomUUID();
    await gate.rebuild(ledger(couponId, 1));
    await gate.decide(couponId, [request(couponId, "mallory")]);
    await gate.rebuild(ledger(couponId, 1));
    expect(await gate.decide(couponId, [request(couponId, "alice")])).toEqual(["ISSUED"]);
  });

  it("rebuilds a large ledger in one piece", async () => {
    const couponId = randomUUID();
    const holders = Array.from({ length: 12_000 }, (_, i) => `holder-${i}`);
    await gate.rebuild(ledger(couponId, 12_001, holders));
    expect(await redis.scard(gateKeys(couponId).holders)).toBe(12_000);
    expect(await gate.decide(couponId, [request(couponId, "holder-5"), request(couponId, "new")])).toEqual(["DUPLICATE", "ISSUED"]);
  });
});
