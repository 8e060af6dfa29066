import { randomUUID } from "node:crypto";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { consumerLag } from "@dibs/ops";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd, type Observed } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F7 the same request id published twice, then the consumer group rewound to offset 0", () => {
  let system: FaultSystem;
  // The cluster's request topic holds only the fault suite's own history, so a rewind to 0 stays bounded.
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F7 duplicates and rewind", kafka: "cluster", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("decides each request once, and a full replay changes no decision", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const producer = system.kafka.producer();
    await producer.connect();
    const twice: Observed[] = [];
    const sale = system.sale(crowd("f7", couponId, 1_500, 2_500), { perSecond: 250 });
    try {
      await sale.answered(800);
      const requests = Array.from({ length: 50 }, (_, i) => ({ requestId: randomUUID(), couponId, userId: `f7-twice-${i}`, acceptedAt: new Date() }));
      for (const copy of [1, 2]) {
        await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: requests.map((r) => encodeIssueRequest(r)) });
        system.note(`published 50 requests, copy ${copy}`);
      }
      twice.push(...requests.map((r) => ({ userId: r.userId, couponId, status: 202, requestId: r.requestId, api: -1, sentAt: Date.now(), ms: 0 })));
    } finally {
      await producer.disconnect();
    }
    const observed = [...(await sale.done), ...twice];
    await system.check({ couponIds: [couponId], observed, record: false });
    const before = await decisionsOf(system, couponId);

    system.note("stopping the issuers and rewinding the group to offset 0");
    await Promise.all(system.issuers.map((issuer) => system.expectEnd(issuer).stop()));
    await system.admin.resetOffsets({ groupId: system.groupId, topic: ISSUE_REQUEST_TOPIC, earliest: true });
    const replay = (await consumerLag(system.admin, system.groupId)).reduce((sum, p) => sum + p.lag, 0);
    system.note(`rewound: ${replay} messages to replay`);
    expect(replay).toBeGreaterThanOrEqual(observed.filter((o) => o.status === 202).length + twice.length);
    await Promise.all([system.startIssuer(), system.startIssuer()]);
    const healedAt = Date.now();

    const row = await system.check({ couponIds: [couponId], observed, healedAt, drainBoundMs: 180_000 });
    expect(row.violations).toEqual([]);
    expect(await decisionsOf(system, couponId)).toEqual(before);
    expect(before.size).toBe(observed.filter((o) => o.status === 202).length);
  });
});

async function decisionsOf(system: FaultSystem, couponId: string): Promise<Map<string, string>> {
  const rows = await system.prisma.issueDecision.findMany({ where: { couponId }, select: { requestId: true, decision: true, holding: true } });
  return new Map(rows.map((r) => [r.requestId, `${r.decision}:${r.holding ?? ""}`]));
}
