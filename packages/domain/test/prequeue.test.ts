import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { windowStateAt } from "../src/coupon.ts";
import { decideIssueRequests } from "../src/decide-issue-requests.ts";
import { drawWinners } from "../src/lottery.ts";
import { drawPrequeue, type PrequeueEntry, prequeueDrawRefusal } from "../src/prequeue.ts";
import { InMemoryIssueGate, InMemoryIssueStore } from "../src/testing/index.ts";
import { aCoupon, aRequest } from "./fixtures.ts";

const startsAt = new Date("2026-12-01T12:00:00Z");
const at = (ms: number) => new Date(startsAt.getTime() + ms);
const entry = (userId: string, acceptedAt: Date): PrequeueEntry => ({ requestId: `request-${userId}`, userId, acceptedAt });
const secretOf = (i: number) => createHash("sha256").update(`secret-${i}`).digest("hex");

describe("the pre-queue's window", () => {
  it("takes requests from prequeueSeconds before the start; before that the campaign has not started", () => {
    const coupon = { startsAt, endsAt: null, pauses: [], prequeueSeconds: 600 };
    expect(windowStateAt(coupon, at(-600_001))).toBe("NOT_STARTED");
    expect(windowStateAt(coupon, at(-600_000))).toBe("PREQUEUE");
    expect(windowStateAt(coupon, at(-1))).toBe("PREQUEUE");
    expect(windowStateAt(coupon, startsAt)).toBe("OPEN");
    expect(windowStateAt({ ...coupon, prequeueSeconds: null }, at(-1))).toBe("NOT_STARTED");
  });

  it("is drawn only once every entry made before the start has had its answer", () => {
    const coupon = { startsAt, prequeueSeconds: 600, prequeueDrawnAt: null };
    expect(prequeueDrawRefusal(coupon, 10_000, at(10_999))?.code).toBe("ENTRIES_IN_FLIGHT");
    expect(prequeueDrawRefusal(coupon, 10_000, at(11_000))).toBeNull();
  });
});

describe("drawPrequeue", () => {
  const entries = ["ana", "bo", "cy", "di", "ed"].map((u, i) => entry(u, at(-1_000 * (i + 1))));

  it("draws an order anyone can re-run from the revealed seed and the entrants, and issues in it what is left", () => {
    const draw = drawPrequeue(secretOf(1), entries, { stock: 5, perUserLimit: 1 }, 2, new Map());
    expect(draw.order).toEqual(
      drawWinners(
        entries.map((e) => e.userId),
        draw.seed,
        entries.length,
      ),
    );
    expect(draw.order.toSorted()).toEqual(["ana", "bo", "cy", "di", "ed"]);
    expect(draw.decisions.map((d) => [d.userId, d.decision, d.position])).toEqual(
      draw.order.map((userId, i) => [userId, i < 3 ? "ISSUED" : "SOLD_OUT", i + 1]),
    );
    expect(draw.issued).toBe(5);
  });

  it("passes over an entrant who already holds the limit, and gives the next one the coupon", () => {
    const first = drawPrequeue(secretOf(2), entries, { stock: 2, perUserLimit: 1 }, 0, new Map()).order[0]!;
    const draw = drawPrequeue(secretOf(2), entries, { stock: 2, perUserLimit: 1 }, 0, new Map([[first, 1]]));
    expect(draw.decisions.map((d) => d.decision)).toEqual(["DUPLICATE", "ISSUED", "ISSUED", "SOLD_OUT", "SOLD_OUT"]);
  });

  it("does not depend on when each entrant arrived: the same entrants at other times are drawn in the same order", () => {
    const reversed = entries.map((e, i) => ({ ...e, acceptedAt: entries[entries.length - 1 - i]!.acceptedAt }));
    const one = drawPrequeue(secretOf(3), entries, { stock: 5, perUserLimit: 1 }, 0, new Map());
    const other = drawPrequeue(secretOf(3), reversed, { stock: 5, perUserLimit: 1 }, 0, new Map());
    expect(other.order).toEqual(one.order);
  });

  it("gives a bot firing 1 ms before the start the same chance as a person who came 5 minutes early", () => {
    const draws = 4_000;
    let botFirst = 0;
    for (let i = 0; i < draws; i++) {
      const crowd = [entry("person", at(-300_000)), entry("bot", at(-1)), ...["x", "y", "z"].map((u) => entry(u, at(-60_000)))];
      const { order } = drawPrequeue(secretOf(i), crowd, { stock: 1, perUserLimit: 1 }, 0, new Map());
      if (order.indexOf("bot") < order.indexOf("person")) botFirst += 1;
    }
    // 0.5 with a standard deviation of 0.008 over 4,000 draws: these bounds are six of them away.
    expect(botFirst / draws).toBeGreaterThan(0.45);
    expect(botFirst / draws).toBeLessThan(0.55);
  });
});

describe("deciding while a pre-queue waits for its draw", () => {
  it("records requests before the start as entries, and lets those after it take only the stock the entrants would not", async () => {
    const coupon = aCoupon({ stock: 3, startsAt, prequeueSeconds: 600 });
    const store = new InMemoryIssueStore();
    store.addCoupon(coupon);
    const deps = { store, gate: new InMemoryIssueGate() };
    const early = ["ana", "bo"].map((u) => aRequest(coupon.id, u, { acceptedAt: at(-5_000) }));
    const late = ["cy", "di", "ed"].map((u) => aRequest(coupon.id, u, { acceptedAt: at(5_000) }));
    const first = await decideIssueRequests(early, deps);
    expect(first.recorded).toEqual([]);
    expect(await store.prequeueEntrants([coupon.id])).toEqual(new Map([[coupon.id, 2]]));
    const second = await decideIssueRequests(late, deps);
    expect(second.recorded.map((d) => [d.userId, d.decision])).toEqual([
      ["cy", "ISSUED"],
      ["di", "SOLD_OUT"],
      ["ed", "SOLD_OUT"],
    ]);
  });

  it("decides requests of either time first-come at the gate once the pre-queue is drawn", async () => {
    const coupon = aCoupon({ stock: 3, startsAt, prequeueSeconds: 600, prequeueDrawnAt: at(11_000) });
    const store = new InMemoryIssueStore();
    store.addCoupon(coupon);
    const outcome = await decideIssueRequests([aRequest(coupon.id, "ana", { acceptedAt: at(-5_000) }), aRequest(coupon.id, "bo", { acceptedAt: at(20_000) })], {
      store,
      gate: new InMemoryIssueGate(),
    });
    expect(outcome.recorded.map((d) => d.decision)).toEqual(["ISSUED", "ISSUED"]);
  });
});
