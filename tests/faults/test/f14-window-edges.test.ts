import { randomUUID } from "node:crypto";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, type Observed } from "../src/load.ts";
import { sleep } from "../src/processes.ts";
import { FaultSystem } from "../src/system.ts";

describe("F14 requests just before the start and just after the end", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F14 window edges", apis: 2, issuers: 1 });
  });
  afterAll(async () => system?.stop());

  it("decides each by the time the API accepted it, even when the issuer decides after the end", async () => {
    const startsAt = new Date(Date.now() + 4_000);
    const endsAt = new Date(startsAt.getTime() + 3_000);
    const couponId = await system.createCoupon({ stock: 2_000, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
    const issuer = system.issuers[0]!;

    // The issuer is frozen for the whole window: everything accepted in it is decided after the end.
    await sleep(startsAt.getTime() - Date.now() - 1_500);
    system.note("SIGSTOP the issuer; the sale runs from 1.5 s before the start to 1.5 s after the end");
    issuer.signal("SIGSTOP");
    let observed: Observed[];
    try {
      observed = await system.sale(
        Array.from({ length: 600 }, (_, i) => ({ userId: `f14-${i}`, couponId })),
        { perSecond: 100 },
      ).done;
    } finally {
      issuer.signal("SIGCONT");
      system.note("SIGCONT the issuer");
    }
    const answers = countBy(observed, (o) => `${o.status} ${o.code ?? ""}`.trim());
    expect(Object.keys(answers).sort()).toEqual(["202", "409 COUPON_ENDED", "409 COUPON_NOT_STARTED"]);

    // Requests some API accepted a millisecond outside the window (a client clock, a stale cache): decided by acceptedAt.
    const edge = (userId: string, at: number) => ({ requestId: randomUUID(), couponId, userId, acceptedAt: new Date(at) });
    const outside = [edge("f14-early", startsAt.getTime() - 1), edge("f14-late", endsAt.getTime())];
    const inside = [edge("f14-first", startsAt.getTime()), edge("f14-last", endsAt.getTime() - 1)];
    const producer = system.kafka.producer();
    await producer.connect();
    await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: [...outside, ...inside].map((r) => encodeIssueRequest(r)) });
    await producer.disconnect();
    const direct = [...outside, ...inside].map((r) => ({
      userId: r.userId,
      couponId,
      status: 202,
      requestId: r.requestId,
      api: -1,
      sentAt: Date.now(),
      ms: 0,
    }));

    const row = await system.check({ couponIds: [couponId], observed: [...observed, ...direct] });
    expect(row.violations).toEqual([]);
    const decisions = await system.prisma.issueDecision.findMany({ where: { couponId } });
    const byRequest = new Map(decisions.map((d) => [d.requestId, d]));
    expect(outside.map((r) => [byRequest.get(r.requestId)?.decision, byRequest.get(r.requestId)?.reason])).toEqual([
      ["REJECTED", "COUPON_NOT_STARTED"],
      ["REJECTED", "COUPON_ENDED"],
    ]);
    expect(inside.map((r) => byRequest.get(r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED"]);
    const issued = decisions.filter((d) => d.decision === "ISSUED");
    expect(issued.every((d) => d.acceptedAt >= startsAt && d.acceptedAt < endsAt)).toBe(true);
    expect(issued.length).toBe(observed.filter((o) => o.status === 202).length + inside.length);
    expect(
      issued.every((d) => d.decidedAt >= endsAt),
      "decided after the end, by the time of acceptance",
    ).toBe(true);
  });
});
