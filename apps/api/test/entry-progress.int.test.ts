import { randomUUID } from "node:crypto";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient, PrismaIssueStore } from "@dibs/db";
import { RedisIssueGate } from "@dibs/gate";
import { createKafka, ensureTopics, type Logger, PARTITIONS, partitionOfCoupon } from "@dibs/kafka";
import { consumerLag } from "@dibs/ops";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaRedisPostgresOperations } from "../src/adapters/operations.ts";
import { adminToken, testApp } from "./support/test-app.ts";

// The tests' broker, its request topic with the history of every test run, and consumer groups of this file's own.
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9192").split(","), clientId: "dibs-draw-test", logger: silent });
const admin = kafka.admin();
// Present because the operations adapter takes them; looking at Kafka uses neither.
const prisma = createPrismaClient(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test");
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1", { lazyConnect: true });

beforeAll(async () => {
  await admin.connect();
  await ensureTopics(admin);
  await fillEveryPartition();
}, 30_000);
afterAll(async () => {
  await admin.disconnect();
  await prisma.$disconnect();
  redis.disconnect();
});

/** A coupon id whose requests go to `partition`: one in PARTITIONS ids does, so a few hundred tries always find one. */
function couponOnPartition(partition: number): string {
  for (let tries = 0; tries < 10_000; tries++) {
    const couponId = randomUUID();
    if (partitionOfCoupon(couponId, PARTITIONS) === partition) return couponId;
  }
  throw new Error(`no coupon id maps to partition ${partition} in 10,000 tries: is the partitioner broken?`);
}

/** One request on every partition, so that this file does not depend on what earlier tests left on the broker. */
async function fillEveryPartition(): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: PARTITIONS }, (_, partition) => {
      const request = { requestId: randomUUID(), couponId: couponOnPartition(partition), userId: "entry-progress", acceptedAt: new Date() };
      return { ...encodeIssueRequest(request), partition };
    });
    await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** A lottery that ended a minute ago, on a partition that holds requests (this file's own, at least). */
async function lotteryOnABusyPartition(): Promise<{ couponId: string; partition: number; end: number }> {
  const offsets = await admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC);
  const busy = offsets.find((p) => Number(p.high) > 0);
  if (!busy) throw new Error(`${ISSUE_REQUEST_TOPIC} holds no request on any partition, though this file wrote one to each`);
  return { couponId: couponOnPartition(busy.partition), partition: busy.partition, end: Number(busy.high) };
}

async function drawThroughKafka(groupId: string, couponId: string) {
  const operations = new KafkaRedisPostgresOperations({ store: new PrismaIssueStore(prisma), gate: new RedisIssueGate(redis), kafka, issuerGroupId: groupId });
  const t = await testApp({}, { operations });
  t.addCoupon({ id: couponId, mode: "LOTTERY", stock: 1, endsAt: new Date(Date.now() - 60_000) });
  const response = await t.app.inject({ method: "POST", url: `/admin/coupons/${couponId}/draw`, headers: { authorization: `Bearer ${adminToken()}` } });
  await t.app.close();
  return { response, drawn: t.lotteries.drawn };
}

describe("the draw's look at Kafka", { timeout: 30_000 }, () => {
  it("draws a lottery whose partition the issuers have recorded, while another coupon's partition lags", async () => {
    const { couponId, partition, end } = await lotteryOnABusyPartition();
    const groupId = `dibs-draw-test-${randomUUID()}`;
    // Past the end, so that requests other tests add to that partition meanwhile count as recorded too.
    await admin.setOffsets({ groupId, topic: ISSUE_REQUEST_TOPIC, partitions: [{ partition, offset: String(end + 1_000_000) }] });
    const lagging = (await consumerLag(admin, groupId)).filter((p) => p.partition !== partition && p.lag > 0);
    expect(lagging.length, "another partition lags").toBeGreaterThan(0);

    const { response, drawn } = await drawThroughKafka(groupId, couponId);

    expect(response.json()).toMatchObject({ couponId, drawnAt: expect.any(String) });
    expect(response.statusCode).toBe(200);
    expect(drawn).toEqual([couponId]);
  });

  it("refuses while the lottery's own partition holds requests the issuers have not recorded", async () => {
    const { couponId, partition, end } = await lotteryOnABusyPartition();
    const groupId = `dibs-draw-test-${randomUUID()}`;
    await admin.setOffsets({
      groupId,
      topic: ISSUE_REQUEST_TOPIC,
      partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, offset: String(p === partition ? end - 1 : 1_000_000_000) })),
    });

    const { response, drawn } = await drawThroughKafka(groupId, couponId);

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: "ENTRIES_IN_FLIGHT" });
    expect(response.json().message).toContain(`partition ${partition} of the request topic up to offset ${end - 1}`);
    expect(drawn).toEqual([]);
  });
});
