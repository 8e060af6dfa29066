import { randomUUID } from "node:crypto";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBetween, topicEnds } from "../src/kafka.ts";
import { crowd } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

describe("F12 poison messages in the hot partition mid-sale", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "F12 poison messages", apis: 2, issuers: 2 });
  });
  afterAll(async () => system?.stop());

  it("parks each in the dead-letter topic with its reason and origin, and the partition keeps flowing", async () => {
    const couponId = await system.createCoupon({ stock: 1_000 });
    const deadLettersFrom = await topicEnds(system.admin, DEAD_LETTER_TOPIC);
    const producer = system.kafka.producer();
    await producer.connect();
    const marker = randomUUID();
    const poison = (round: number) => [
      { key: couponId, value: `{not json ${marker} ${round}` },
      { key: couponId, value: JSON.stringify({ v: 1, marker, round, requestId: "nope" }) },
      {
        ...encodeIssueRequest({ requestId: randomUUID(), couponId: randomUUID(), userId: `f12-stray-${marker}-${round}`, acceptedAt: new Date() }),
        key: couponId,
      },
    ];

    const sale = system.sale(crowd("f12", couponId, 1_500, 2_400), { perSecond: 250 });
    try {
      await sale.answered(500);
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: poison(1) });
      await sale.answered(1_200);
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: poison(2) });
    } finally {
      await producer.disconnect();
    }

    const row = await system.check({ couponIds: [couponId], observed: await sale.done });
    expect(row.violations).toEqual([]);

    // Dead letters are at least once: a batch redelivered after a rebalance parks its poison again. Count origins.
    const letters = (await readBetween(system.kafka, system.admin, DEAD_LETTER_TOPIC, deadLettersFrom)).filter((m) => m.value?.toString().includes(marker));
    const byOrigin = new Map(
      letters.map((m) => [`${m.headers?.[DEAD_LETTER_HEADERS.originalPartition]}:${m.headers?.[DEAD_LETTER_HEADERS.originalOffset]}`, m]),
    );
    const reasons = [...byOrigin.values()].map(
      (m) => m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString().match(/^(not JSON|wrong schema|unknown coupon)/)?.[1],
    );
    expect(reasons.sort()).toEqual(["not JSON", "not JSON", "unknown coupon", "unknown coupon", "wrong schema", "wrong schema"]);
    for (const letter of byOrigin.values()) {
      expect(letter.headers?.[DEAD_LETTER_HEADERS.originalTopic]?.toString()).toBe(ISSUE_REQUEST_TOPIC);
      expect(letter.key?.toString()).toBe(couponId);
      expect(Number(letter.headers?.[DEAD_LETTER_HEADERS.originalOffset]?.toString())).toBeGreaterThanOrEqual(0);
    }
  });
});
