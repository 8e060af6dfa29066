import { randomUUID } from "node:crypto";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import type { Issuer } from "@dibs/issuer/wiring";
import { createKafka } from "@dibs/kafka";
import type { KafkaMessage } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { waitFor } from "../src/http.ts";
import { log, startIssuers } from "../src/system.ts";

describe("messages the issuer cannot decide", () => {
  const kafka = createKafka({ brokers: testEnv.kafkaBrokers, clientId: "e2e-dead-letters", logger: log });
  const producer = kafka.producer();
  const watcher = kafka.consumer({ groupId: `e2e-dlt-watch-${randomUUID()}` });
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const letters: KafkaMessage[] = [];
  let issuers: Issuer[];

  beforeAll(async () => {
    issuers = await startIssuers(1);
    await producer.connect();
    await watcher.connect();
    await watcher.subscribe({ topic: DEAD_LETTER_TOPIC, fromBeginning: false });
    await watcher.run({ eachMessage: async ({ message }) => void letters.push(message) });
    await waitFor(
      "the watcher to be assigned the dead-letter partitions",
      async () => watcher.describeGroup().then((g) => g.state === "Stable" || undefined),
      30_000,
    );
  });

  afterAll(async () => {
    await Promise.all(issuers.map((i) => i.stop()));
    await watcher.disconnect();
    await producer.disconnect();
    await prisma.$disconnect();
  });

  it("parks poison and unknown-coupon messages with the reason and origin, and the partition keeps flowing", async () => {
    const coupon = await prisma.coupon.create({ data: { id: randomUUID(), name: "dlt", stock: 5 } });
    const marker = randomUUID();
    const good = { requestId: randomUUID(), couponId: coupon.id, userId: `dlt-${marker}`, acceptedAt: new Date() };
    const strayCoupon = { ...good, requestId: randomUUID(), couponId: randomUUID() };
    await producer.send({
      topic: ISSUE_REQUEST_TOPIC,
      acks: -1,
      messages: [
        { key: coupon.id, value: `{not json ${marker}` },
        { key: coupon.id, value: JSON.stringify({ v: 1, marker, requestId: "nope" }) },
        { ...encodeIssueRequest(strayCoupon), key: coupon.id },
        { ...encodeIssueRequest(good) },
      ],
    });

    const decision = await waitFor(
      "the good request behind the poison to be decided",
      () => prisma.issueDecision.findUnique({ where: { requestId: good.requestId } }).then((d) => d ?? undefined),
      60_000,
    );
    expect(decision.decision).toBe("ISSUED");

    const ours = await waitFor(
      "three dead letters",
      async () => {
        const found = letters.filter((m) => m.value?.toString().includes(marker) || m.value?.toString().includes(strayCoupon.requestId));
        return found.length >= 3 ? found : undefined;
      },
      30_000,
    );
    const reasons = ours.map((m) => m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString());
    expect(reasons).toEqual([expect.stringContaining("not JSON"), expect.stringContaining("wrong schema"), expect.stringContaining("unknown coupon")]);
    for (const m of ours) {
      expect(m.headers?.[DEAD_LETTER_HEADERS.originalTopic]?.toString()).toBe(ISSUE_REQUEST_TOPIC);
      expect(Number(m.headers?.[DEAD_LETTER_HEADERS.originalPartition]?.toString())).toBeGreaterThanOrEqual(0);
      expect(Number(m.headers?.[DEAD_LETTER_HEADERS.originalOffset]?.toString())).toBeGreaterThanOrEqual(0);
    }
  });
});
