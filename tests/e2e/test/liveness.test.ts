import { randomUUID } from "node:crypto";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import type { IssueStore } from "@dibs/domain";
import { overriding } from "@dibs/domain/testing";
import { createIssuer, type Issuer } from "@dibs/issuer/wiring";
import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { waitFor } from "../src/http.ts";
import { log } from "../src/system.ts";

describe("one partition's stuck batch", () => {
  const kafka = createKafka({ brokers: testEnv.kafkaBrokers, clientId: "e2e-liveness", logger: log });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const prisma = createPrismaClient(testEnv.databaseUrl);
  let issuer: Issuer | undefined;

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await issuer?.stop();
    await Promise.all([admin.disconnect(), producer.disconnect(), prisma.$disconnect()]);
  });

  it("holds back no other partition: the others are decided while it waits, and it is decided once it can be", async () => {
    const [stuck, flowing] = await couponsOnTwoPartitions();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Postgres hangs on the stuck coupon's batches only, as on a lock held elsewhere: no error, no answer.
    const hangingOn = (store: IssueStore): IssueStore =>
      overriding(store, {
        record: async (batch) => {
          if (batch.decided.some((d) => d.couponId === stuck)) await released;
          return store.record(batch);
        },
      });
    const groupId = `e2e-liveness-${randomUUID()}`;
    await admin.setOffsets({
      groupId,
      topic: ISSUE_REQUEST_TOPIC,
      partitions: (await admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC)).map((p) => ({ partition: p.partition, offset: p.high })),
    });
    const config = { DATABASE_URL: testEnv.databaseUrl, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: testEnv.kafkaBrokers, ISSUER_GROUP_ID: groupId };
    issuer = createIssuer(config, log.child({ app: "issuer" }), undefined, { store: hangingOn });
    await issuer.start();

    const request = (couponId: string, i: number) => ({ requestId: randomUUID(), couponId, userId: `liveness-${i}`, acceptedAt: new Date() });
    const stuckRequests = Array.from({ length: 20 }, (_, i) => request(stuck, i));
    const flowingRequests = Array.from({ length: 300 }, (_, i) => request(flowing, i));
    await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: stuckRequests.map((r) => encodeIssueRequest(r)) });
    for (let i = 0; i < flowingRequests.length; i += 50) {
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: flowingRequests.slice(i, i + 50).map((r) => encodeIssueRequest(r)) });
    }

    const decidedOf = (requests: Array<{ requestId: string }>) =>
      prisma.issueDecision.count({ where: { requestId: { in: requests.map((r) => r.requestId) } } });
    await waitFor(
      "the other partition's requests to be decided",
      async () => (await decidedOf(flowingRequests)) === flowingRequests.length || undefined,
      30_000,
    );
    expect(await decidedOf(stuckRequests)).toBe(0);

    release();
    await waitFor("the stuck partition's requests to be decided", async () => (await decidedOf(stuckRequests)) === stuckRequests.length || undefined, 30_000);
  });

  /** Two new coupons whose requests go to different partitions of the request topic. */
  async function couponsOnTwoPartitions(): Promise<[string, string]> {
    const { topics } = await admin.fetchTopicMetadata({ topics: [ISSUE_REQUEST_TOPIC] });
    const partitionOf = (couponId: string) =>
      Partitioners.DefaultPartitioner()({ topic: ISSUE_REQUEST_TOPIC, partitionMetadata: topics[0]!.partitions, message: { key: couponId, value: null } });
    const create = async () => (await prisma.coupon.create({ data: { id: randomUUID(), name: "liveness", stock: 1_000 } })).id;
    const first = await create();
    for (;;) {
      const second = await create();
      if (partitionOf(second) !== partitionOf(first)) return [first, second];
    }
  }
});
