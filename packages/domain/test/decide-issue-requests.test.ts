import { describe, expect, it } from "vitest";
import { decideIssueRequests, GateDisagreementError, gateIssueRequests, recordGatedBatch } from "../src/decide-issue-requests.ts";
import type { IssueRequest } from "../src/issue-request.ts";
import { InMemoryIssueGate, InMemoryIssueStore, overriding } from "../src/testing/index.ts";
import { aCoupon, aRequest } from "./fixtures.ts";

function setup(stock = 3) {
  const coupon = aCoupon({ stock });
  const store = new InMemoryIssueStore();
  store.addCoupon(coupon);
  const gate = new InMemoryIssueGate();
  return { coupon, store, gate, deps: { store, gate } };
}

function decisionsOf(outcome: { recorded: Array<{ requestId: string; decision: string }> }) {
  return outcome.recorded.map((r) => r.decision);
}

describe("decideIssueRequests", () => {
  it("issues exactly the stock to distinct users, in order", async () => {
    const { coupon, store, deps } = setup(3);
    const requests = ["a", "b", "a", "c", "d", "e"].map((u) => aRequest(coupon.id, u));
    const outcome = await decideIssueRequests(requests, deps);
    expect(decisionsOf(outcome)).toEqual(["ISSUED", "ISSUED", "DUPLICATE", "ISSUED", "SOLD_OUT", "SOLD_OUT"]);
    expect(store.issuedCount(coupon.id)).toBe(3);
    expect(outcome.rebuilt).toEqual([coupon.id]);
  });

  it("keeps every decision when a batch is delivered again", async () => {
    const { coupon, store, deps } = setup(1);
    const requests = [aRequest(coupon.id, "a"), aRequest(coupon.id, "b")];
    const first = await decideIssueRequests(requests, deps);
    const again = await decideIssueRequests(requests, deps);
    expect(decisionsOf(again)).toEqual(decisionsOf(first));
    expect(store.issuedCount(coupon.id)).toBe(1);
  });

  it("rebuilds a gate that lost its state from the store before deciding", async () => {
    const { coupon, store, gate, deps } = setup(2);
    await decideIssueRequests([aRequest(coupon.id, "a")], deps);
    gate.lose(coupon.id);
    const outcome = await decideIssueRequests([aRequest(coupon.id, "a"), aRequest(coupon.id, "b"), aRequest(coupon.id, "c")], deps);
    expect(decisionsOf(outcome)).toEqual(["DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect(store.issuedCount(coupon.id)).toBe(2);
  });

  it("lets the store overrule a gate that believes stale state, and rebuilds the gate", async () => {
    const { coupon, store, gate, deps } = setup(2);
    await decideIssueRequests([aRequest(coupon.id, "a")], deps);
    gate.states.get(coupon.id)!.holdings.clear();
    gate.states.get(coupon.id)!.issued = 0;
    const outcome = await decideIssueRequests([aRequest(coupon.id, "a"), aRequest(coupon.id, "b"), aRequest(coupon.id, "c")], deps);
    expect(decisionsOf(outcome)).toEqual(["DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect(store.issuedCount(coupon.id)).toBe(2);
  });

  it("rejects requests accepted outside the window without touching the gate", async () => {
    const { coupon, store, gate, deps } = setup(5);
    store.coupons.get(coupon.id)!.startsAt = new Date("2026-01-01T00:00:00Z");
    store.coupons.get(coupon.id)!.endsAt = new Date("2026-01-02T00:00:00Z");
    const early = aRequest(coupon.id, "a", { acceptedAt: new Date("2025-12-31T23:59:59Z") });
    const late = aRequest(coupon.id, "b", { acceptedAt: new Date("2026-01-02T00:00:00Z") });
    const outcome = await decideIssueRequests([early, late], deps);
    expect(outcome.recorded.map((r) => [r.decision, r.reason])).toEqual([
      ["REJECTED", "COUPON_NOT_STARTED"],
      ["REJECTED", "COUPON_ENDED"],
    ]);
    expect(gate.states.size).toBe(0);
  });

  it("rejects requests accepted while the campaign was paused, and decides the rest", async () => {
    const { coupon, store, deps } = setup(5);
    const pausedAt = new Date("2026-01-01T00:00:10Z");
    const resumedAt = new Date("2026-01-01T00:00:20Z");
    store.coupons.get(coupon.id)!.pauses = [{ pausedAt, resumedAt }];
    const before = aRequest(coupon.id, "a", { acceptedAt: new Date("2026-01-01T00:00:09Z") });
    const during = aRequest(coupon.id, "b", { acceptedAt: new Date("2026-01-01T00:00:15Z") });
    const after = aRequest(coupon.id, "c", { acceptedAt: resumedAt });
    const outcome = await decideIssueRequests([before, during, after], deps);
    const byRequest = new Map(outcome.recorded.map((r) => [r.requestId, [r.decision, r.reason]]));
    expect([before, during, after].map((r) => byRequest.get(r.requestId))).toEqual([
      ["ISSUED", undefined],
      ["REJECTED", "COUPON_PAUSED"],
      ["ISSUED", undefined],
    ]);
  });

  it("enforces a per-user limit of 3 and follows stock added mid-sale", async () => {
    const { coupon, store, deps } = setup(4);
    store.coupons.get(coupon.id)!.perUserLimit = 3;
    const first = await decideIssueRequests(
      ["a", "a", "a", "a", "b", "c"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    expect(decisionsOf(first)).toEqual(["ISSUED", "ISSUED", "ISSUED", "DUPLICATE", "ISSUED", "SOLD_OUT"]);
    store.coupons.get(coupon.id)!.stock = 6;
    const second = await decideIssueRequests(
      ["c", "d", "e"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    expect(decisionsOf(second)).toEqual(["ISSUED", "ISSUED", "SOLD_OUT"]);
    expect(store.issuedCount(coupon.id)).toBe(6);
  });

  it("takes one lottery entry per user without deciding it, and refuses entries after the draw", async () => {
    const { coupon, store, gate, deps } = setup(2);
    store.coupons.get(coupon.id)!.mode = "LOTTERY";
    const first = aRequest(coupon.id, "a");
    const outcome = await decideIssueRequests([first, aRequest(coupon.id, "b"), aRequest(coupon.id, "a")], deps);
    expect(outcome.recorded.map((r) => [r.userId, r.decision])).toEqual([["a", "DUPLICATE"]]);
    expect([...store.entries.get(coupon.id)!.keys()]).toEqual(["a", "b"]);
    expect(gate.states.size).toBe(0);
    await decideIssueRequests([first], deps);
    expect(store.entries.get(coupon.id)!.size).toBe(2);
    store.coupons.get(coupon.id)!.drawnAt = new Date();
    const late = await decideIssueRequests([aRequest(coupon.id, "c")], deps);
    expect(late.recorded.map((r) => [r.decision, r.reason])).toEqual([["REJECTED", "COUPON_ENDED"]]);
  });

  it("sets aside requests for unknown coupons", async () => {
    const { deps } = setup();
    const stray: IssueRequest = aRequest("no-such-coupon", "a");
    const outcome = await decideIssueRequests([stray], deps);
    expect(outcome.unknownCoupon).toEqual([stray]);
    expect(outcome.recorded).toEqual([]);
  });

  it("fails rather than record when the store keeps disagreeing", async () => {
    const { coupon, gate, deps } = setup(1);
    const liar = overriding(gate, {
      decide: async (_: unknown, requests: readonly IssueRequest[]) => ({
        verdicts: requests.map(() => ({ decision: "ISSUED" as const, holding: 1 })),
        epoch: deps.store.gateEpochs.get(coupon.id) ?? 0,
      }),
    });
    const requests = [aRequest(coupon.id, "a"), aRequest(coupon.id, "b")];
    await expect(decideIssueRequests(requests, { ...deps, gate: liar, maxRebuilds: 2 })).rejects.toBeInstanceOf(GateDisagreementError);
    expect(deps.store.issuedCount(coupon.id)).toBe(0);
  });
});

describe("gateIssueRequests, then recordGatedBatch", () => {
  it("decides a batch at the gate while the one before it is still unrecorded, and records both in order", async () => {
    const { coupon, store, deps } = setup(3);
    const first = await gateIssueRequests(
      ["a", "b"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    const second = await gateIssueRequests(
      ["a", "c", "d"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    expect(decisionsOf(await recordGatedBatch(first, deps))).toEqual(["ISSUED", "ISSUED"]);
    expect(decisionsOf(await recordGatedBatch(second, deps))).toEqual(["DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect(store.issuedCount(coupon.id)).toBe(3);
  });

  it("decides a gated batch again when Postgres overrules what the gate said", async () => {
    const { coupon, store, gate, deps } = setup(2);
    await decideIssueRequests([aRequest(coupon.id, "a")], deps);
    gate.states.get(coupon.id)!.holdings.clear();
    gate.states.get(coupon.id)!.issued = 0;
    const gated = await gateIssueRequests(
      ["a", "b", "c"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    expect(gated.decided.map((d) => d.decision)).toEqual(["ISSUED", "ISSUED", "SOLD_OUT"]);
    const outcome = await recordGatedBatch(gated, deps);
    expect(decisionsOf(outcome)).toEqual(["DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect(outcome.rebuilt).toEqual([coupon.id]);
    expect(store.issuedCount(coupon.id)).toBe(2);
  });
});

describe("two issuers on one coupon (a rebalance: the old owner still finishing a batch)", () => {
  it("refuses a batch gated before the other rebuilt the gate, decides it again, and leaves the gate equal to the store", async () => {
    const { coupon, store, gate, deps } = setup(5);
    await decideIssueRequests([aRequest(coupon.id, "a")], deps);
    const late = await gateIssueRequests(
      ["b", "c"].map((u) => aRequest(coupon.id, u)),
      deps,
    );
    // The new owner rebuilds the gate from the store, which does not have the late batch yet.
    await gate.rebuild((await store.ledgerForRebuild(coupon.id))!);

    const outcome = await recordGatedBatch(late, deps);

    expect(decisionsOf(outcome)).toEqual(["ISSUED", "ISSUED"]);
    const state = gate.states.get(coupon.id)!;
    expect(state.issued).toBe(store.issuedCount(coupon.id));
    expect([...state.holdings.keys()].sort()).toEqual(["a", "b", "c"]);
  });
});

describe("a batch Postgres has decided before (a rewind, a dead letter replayed)", () => {
  it("keeps each decision without asking the gate, which holds no verdicts for it and changes nothing", async () => {
    const { coupon, store, gate, deps } = setup(1);
    const requests = [aRequest(coupon.id, "a"), aRequest(coupon.id, "b")];
    const first = await decideIssueRequests(requests, deps);
    await gate.forget(
      coupon.id,
      requests.map((r) => r.requestId),
    );
    const before = structuredClone(gate.states.get(coupon.id));

    const again = await decideIssueRequests(requests, deps);

    expect(decisionsOf(again)).toEqual(decisionsOf(first));
    expect(gate.states.get(coupon.id)).toEqual(before);
    expect(store.issuedCount(coupon.id)).toBe(1);
  });
});
