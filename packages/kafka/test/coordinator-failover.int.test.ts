import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../src/client.ts";
import type { Logger } from "../src/logger.ts";
import { CLUSTER_BROKERS, kafkaSh } from "./support/kafka-sh.ts";

// Regression test for the coordinator half of patches/kafkajs@2.2.4.patch (upstream tulios/kafkajs#1779): after the
// group coordinator's node died and came back as a follower, kafkajs kept sending OffsetCommit to it, and with the
// issuer's unbounded retries every commit looped on NOT_COORDINATOR forever: the group stopped making progress.
const COMMITTED_WITHIN_MS = 45_000;

describe("a consumer group whose coordinator dies and comes back", () => {
  const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const kafka = createKafka({ brokers: CLUSTER_BROKERS, clientId: "dibs-coordinator-test", logger: silent });
  const admin = kafka.admin();
  const topic = `coordinator-${Date.now()}-${process.pid}`;
  const groupId = `${topic}-group`;

  beforeAll(async () => {
    await kafkaSh("start", "--nodes", "3");
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }],
    });
  });

  afterAll(async () => {
    await kafkaSh("start", "--nodes", "3");
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("commits to the new coordinator, as the issuer does after every batch", { timeout: 150_000 }, async () => {
    // The issuer's settings: never give up, commit explicitly once a batch is done.
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
    const producer = kafka.producer();
    await Promise.all([consumer.connect(), producer.connect()]);
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let holdNextBatch: Promise<void> | undefined;
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          await holdNextBatch;
          // As the issuer does: a refused commit (the member expired while the batch was held) is not the batch's
          // failure, which would stop the consumer for good; the group rejoins and the batch comes again.
          await consumer.commitOffsets([{ topic, partition: 0, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]).catch(() => undefined);
        },
      });
      await producer.send({ topic, acks: -1, messages: [{ value: "before" }] });
      await committedUpTo(admin, groupId, topic, 1, COMMITTED_WITHIN_MS);

      // A batch is in flight, as an issuer's is most of the time, when the coordinator's node dies and comes back.
      let release = () => {};
      holdNextBatch = new Promise((resolve) => (release = resolve));
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `during ${i}` })) });
      const node = await coordinatorOf(admin, groupId);
      await kafkaSh("kill-node", String(node));
      await kafkaSh("start-node", String(node));
      release();

      await committedUpTo(admin, groupId, topic, 11, COMMITTED_WITHIN_MS);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});

/** The node leading the group's __consumer_offsets partition: abs(javaHashCode(groupId)) % partitions, as Kafka picks it. */
async function coordinatorOf(admin: Admin, groupId: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: ["__consumer_offsets"] });
  const partitions = topics[0]!.partitions;
  let hash = 0;
  for (const char of groupId) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  const partition = (hash & 0x7fffffff) % partitions.length;
  return partitions.find((p) => p.partitionId === partition)!.leader;
}

async function committedUpTo(admin: Admin, groupId: string, topic: string, offset: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let committed = -1;
  while (Date.now() < deadline) {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => [undefined]);
    committed = Number(offsets?.partitions[0]?.offset ?? -1);
    if (committed >= offset) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(committed, `the group's committed offset ${timeoutMs} ms later`).toBeGreaterThanOrEqual(offset);
}
