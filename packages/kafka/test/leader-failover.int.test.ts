import type { Admin, Kafka, Message, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdempotentProducer, createKafka } from "../src/client.ts";
import type { Logger } from "../src/logger.ts";
import { assertAllPartitionsAcknowledged } from "../src/partition-acks.ts";
import { CLUSTER_BROKERS, kafkaSh } from "./support/kafka-sh.ts";

// Regression test for tulios/kafkajs#1303, fixed by patches/kafkajs@2.2.4.patch: when a partition leader
// died, send() could resolve without the partitions that leader had, and their messages were lost.
const PARTITIONS = 6;
const BATCH_SIZE = 250;
const LOAD_BEFORE_KILL_MS = 5_000;
const LOAD_AFTER_KILL_MS = 15_000;
const CONSUME_TIMEOUT_MS = 30_000;

interface Load {
  acknowledged: number[];
  acknowledgedAfterKill: number;
  sends: number;
  longestSendMs: number;
  failedSends: string[];
  incompleteSends: string[];
}

describe("an idempotent producer while a partition leader is SIGKILLed", () => {
  const kafkajsErrors: string[] = [];
  const kafka = createKafka({ brokers: CLUSTER_BROKERS, clientId: "dibs-failover-test", logger: collecting(kafkajsErrors) });
  const admin = kafka.admin();
  const topic = `failover-${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    await kafkaSh("start", "--nodes", "3");
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }],
    });
  });

  afterAll(async () => {
    // Whatever happened above, leave all three nodes running for the next test.
    await kafkaSh("start", "--nodes", "3");
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("keeps every message whose send() resolved", { timeout: 90_000 }, async () => {
    const node = await leaderOfPartitionZero(admin, topic);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();

    const load: Load = { acknowledged: [], acknowledgedAfterKill: 0, sends: 0, longestSendMs: 0, failedSends: [], incompleteSends: [] };
    let killed = false;
    let stopped = false;
    const producing = produce(
      producer,
      topic,
      load,
      () => killed,
      () => stopped,
    );
    try {
      await sleep(LOAD_BEFORE_KILL_MS);
      await kafkaSh("kill-node", String(node));
      killed = true;
      await sleep(LOAD_AFTER_KILL_MS);
    } finally {
      stopped = true;
      await producing;
      await producer.disconnect();
      await kafkaSh("start-node", String(node));
    }

    const inLog = await readAll(kafka, admin, topic);
    const lost = load.acknowledged.filter((n) => !inLog.distinct.has(n));
    console.log(
      `failover: killed node ${node}; ${load.sends} sends (longest ${load.longestSendMs} ms), ${load.failedSends.length} rejected, ` +
        `${load.incompleteSends.length} resolved without all partitions; ${load.acknowledged.length} messages acknowledged ` +
        `(${load.acknowledgedAfterKill} after the kill); log holds ${inLog.distinct.size} distinct ` +
        `(${inLog.duplicates} duplicates); LOST ${lost.length}; kafkajs logged ${kafkajsErrors.length} errors`,
    );
    if (lost.length > 0) console.log(`first lost messages: ${lost.slice(0, 10).join(", ")}`);
    for (const message of [...load.incompleteSends, ...load.failedSends].slice(0, 5)) console.log(message);

    expect(lost.length, "acknowledged messages missing from the log").toBe(0);
    expect(load.incompleteSends).toEqual([]);
    expect(load.acknowledgedAfterKill, "no send resolved after the kill, so the test proved nothing").toBeGreaterThan(0);
  });
});

/** One send in flight at a time, each a batch over all partitions, until stopped. */
async function produce(producer: Producer, topic: string, load: Load, killed: () => boolean, stopped: () => boolean) {
  let next = 0;
  while (!stopped()) {
    const messages: Message[] = Array.from({ length: BATCH_SIZE }, () => {
      const n = next++;
      return { partition: n % PARTITIONS, value: String(n) };
    });
    const sentAfterKill = killed();
    load.sends++;
    const startedAt = Date.now();
    try {
      const result = await producer.send({ topic, acks: -1, messages });
      load.longestSendMs = Math.max(load.longestSendMs, Date.now() - startedAt);
      const numbers = messages.map((m) => Number(m.value));
      load.acknowledged.push(...numbers);
      if (sentAfterKill) load.acknowledgedAfterKill += numbers.length;
      try {
        assertAllPartitionsAcknowledged(
          messages.map((m) => ({ topic, partition: m.partition! })),
          result,
        );
      } catch (error) {
        load.incompleteSends.push((error as Error).message);
      }
    } catch (error) {
      load.failedSends.push(`send rejected: ${(error as Error).message}`);
    }
  }
}

async function leaderOfPartitionZero(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const leader = topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
  if (leader === undefined || leader < 1 || leader > 3) throw new Error(`partition 0 of ${topic} has no usable leader: ${leader}`);
  return leader;
}

/** Reads the topic from the beginning up to the high watermarks taken now. */
async function readAll(kafka: Kafka, admin: Admin, topic: string) {
  const end = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const reached = new Set([...end].filter(([, high]) => high === 0).map(([partition]) => partition));
  const distinct = new Set<number>();
  let duplicates = 0;

  const consumer = kafka.consumer({ groupId: `${topic}-check` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${distinct.size} messages, but partitions ${[...end.keys()].filter((p) => !reached.has(p))} never reached their end`)),
        CONSUME_TIMEOUT_MS,
      );
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (reached.size === end.size) return done();
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const n = Number(message.value?.toString());
              if (distinct.has(n)) duplicates++;
              distinct.add(n);
            }
            if (Number(batch.lastOffset()) + 1 >= (end.get(batch.partition) ?? 0)) reached.add(batch.partition);
            if (reached.size === end.size) done();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { distinct, duplicates };
}

function collecting(errors: string[]): Logger {
  const ignore = () => {};
  return { debug: ignore, info: ignore, warn: ignore, error: (_fields, message) => errors.push(message) };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
