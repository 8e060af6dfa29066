import { randomUUID } from "node:crypto";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { storableUserId } from "@dibs/domain";
import { Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBetween, topicEnds } from "../src/kafka.ts";
import { crowd, interleave, type Observed } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

/** The longest any accepted request may wait for its decision while requests at fault are set aside around it. */
const DECISION_BOUND_MS = 15_000;
const LIARS = "f15-liar-";
const UNKNOWN_BURST = 7_500;

describe("F15 requests at fault mid-sale: a user id Postgres refuses, a burst for an unknown coupon, a gate Postgres keeps overruling", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F15 requests at fault", apis: 2, issuers: 0 });
    // Both issuers' gates say ISSUED to every liar, whatever the liar holds: Postgres overrules them after every rebuild.
    await Promise.all([system.startIssuer({ DIBS_FAULT_LYING_GATE_PREFIX: LIARS }), system.startIssuer({ DIBS_FAULT_LYING_GATE_PREFIX: LIARS })]);
  });
  afterAll(async () => system?.stop());

  it("sets each aside with a final status and a dead letter, and decides every other request within the bound", async () => {
    const coupons = await Promise.all([0, 1, 2].map(() => system.createCoupon({ stock: 300 })));
    const deadLettersFrom = await topicEnds(system.admin, DEAD_LETTER_TOPIC);
    // Each liar presses twice: the second is a duplicate the lying gate calls ISSUED.
    const liars = Array.from({ length: 5 }, (_, i) => ({ userId: `${LIARS}${i}`, couponId: coupons[1]! }));
    const requests = interleave([...coupons.map((c, i) => crowd(`f15-${i}`, c, 450, 600)), [...liars, ...liars]]);
    const sale = system.sale(requests, { perSecond: 300 });

    const producer = system.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const nul = { requestId: randomUUID(), couponId: coupons[0]!, userId: "f15-nul\u0000user", acceptedAt: new Date() };
    const unknownCoupon = randomUUID();
    try {
      await sale.answered(400);
      system.note("producing a request with U+0000 in its user id, straight to the topic");
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: [encodeIssueRequest(nul)] });
      await sale.answered(800);
      system.note(`producing ${UNKNOWN_BURST} requests for an unknown coupon`);
      const burst = Array.from({ length: UNKNOWN_BURST }, (_, i) =>
        encodeIssueRequest({ requestId: randomUUID(), couponId: unknownCoupon, userId: `f15-stray-${i}-${"x".repeat(110)}`, acceptedAt: new Date() }),
      );
      for (let i = 0; i < burst.length; i += 2_500) await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: burst.slice(i, i + 2_500) });
    } finally {
      await producer.disconnect();
    }
    const observed = await sale.done;
    system.note("sale done");

    const row = await system.check({ couponIds: coupons, observed, drainBoundMs: 60_000 });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(900);

    const slowest = await slowestDecisionMs(system, observed);
    console.log(`F15: slowest decision of an accepted request ${slowest} ms (bound ${DECISION_BOUND_MS} ms)`);
    system.note(`slowest decision of an accepted request: ${slowest} ms`);
    expect(slowest, "a request at fault held back the requests around it").toBeLessThanOrEqual(DECISION_BOUND_MS);

    const nulDecision = await system.prisma.issueDecision.findUnique({ where: { requestId: nul.requestId } });
    expect(nulDecision).toMatchObject({ decision: "REJECTED", reason: "UNPROCESSABLE", userId: storableUserId(nul.userId) });
    const liarRequests = observed.filter((o) => o.userId.startsWith(LIARS) && o.status === 202);
    const liarDecisions = await system.prisma.issueDecision.findMany({ where: { requestId: { in: liarRequests.map((o) => o.requestId!) } } });
    expect(liarDecisions).toHaveLength(liarRequests.length);
    expect(liarDecisions.filter((d) => d.reason === "UNPROCESSABLE").length, "the liars' second presses were set aside").toBeGreaterThanOrEqual(5);

    // Dead letters are at least once: a batch redelivered after a rebalance parks its letters again. Count origins.
    const letters = await readBetween(system.kafka, system.admin, DEAD_LETTER_TOPIC, deadLettersFrom, 60_000);
    const origins = (reason: RegExp) =>
      new Set(
        letters
          .filter((m) => reason.test(m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString() ?? ""))
          .map((m) => `${m.headers?.[DEAD_LETTER_HEADERS.originalPartition]}:${m.headers?.[DEAD_LETTER_HEADERS.originalOffset]}`),
      );
    expect(origins(new RegExp(`^unknown coupon ${unknownCoupon}`)).size).toBe(UNKNOWN_BURST);
    const unprocessable = letters.filter((m) => /^unprocessable: /.test(m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString() ?? ""));
    expect(unprocessable.some((m) => m.value?.toString().includes(nul.requestId))).toBe(true);
    expect(unprocessable.filter((m) => m.value?.toString().includes(LIARS)).length).toBeGreaterThanOrEqual(5);
  });
});

/** The longest time from the API accepting a request to Postgres recording its decision, over the sale's 202s. */
async function slowestDecisionMs(system: FaultSystem, observed: readonly Observed[]): Promise<number> {
  const accepted = observed.filter((o) => o.status === 202).map((o) => o.requestId!);
  const rows = await system.prisma.$queryRaw<Array<{ slowest: number | null }>>`
    SELECT max(extract(epoch FROM decided_at - accepted_at) * 1000)::float8 AS slowest FROM issue_decision WHERE request_id = ANY(${accepted}::uuid[])`;
  return Math.round(rows[0]?.slowest ?? 0);
}
