import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from "@dibs/contracts";
import { createIdempotentProducer, createKafka, ensureTopics, type Logger } from "@dibs/kafka";
import type { KafkaMessage } from "kafkajs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaDeadLetters } from "../src/adapters/kafka-dead-letters.ts";
import type { DeadLetter } from "../src/batch-pipeline.ts";

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9192").split(","), clientId: "dibs-dlt-test", logger: silent });
const admin = kafka.admin();
const producer = createIdempotentProducer(kafka);
const sink = new KafkaDeadLetters(producer, pino({ level: "silent" }));

beforeAll(async () => {
  await admin.connect();
  await ensureTopics(admin);
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

const letter = (n: number, value: Buffer): DeadLetter => ({
  kind: "unknown_coupon",
  partition: n % 6,
  reason: `unknown coupon ${n}`,
  message: { offset: String(n), key: Buffer.from(`key-${n % 50}`), value, headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } },
});

describe("dead letters on the real broker", () => {
  it("parks thousands of letters of one batch, more than the broker takes in one message, in as many sends as they need", { timeout: 60_000 }, async () => {
    const before = await ends();
    const letters = Array.from({ length: 6_000 }, (_, i) => letter(i, Buffer.alloc(400, "x")));
    await sink.publish(letters);
    expect((await ends()) - before).toBe(letters.length);
  });

  it("cuts a letter too large for the topic and says so in its headers", { timeout: 60_000 }, async () => {
    const start = await offsetsNow();
    const huge = Buffer.alloc(3 * 1024 * 1024, "y");
    await sink.publish([letter(7, huge)]);
    const [parked] = await readFrom(start, 1);
    expect(Number(parked!.headers?.[DEAD_LETTER_HEADERS.truncatedFrom]?.toString())).toBe(huge.length);
    expect(parked!.value!.length).toBeLessThan(huge.length);
    expect(parked!.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toBe("unknown coupon 7");
    expect(parked!.headers?.traceparent?.toString()).toMatch(/^00-0af7/);
  });
});

async function offsetsNow() {
  return (await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC)).map((p) => ({ partition: p.partition, offset: p.high }));
}

async function ends(): Promise<number> {
  return (await offsetsNow()).reduce((sum, p) => sum + Number(p.offset), 0);
}

/** The first `count` messages after `from`, read by a throwaway group. */
async function readFrom(from: Array<{ partition: number; offset: string }>, count: number): Promise<KafkaMessage[]> {
  const groupId = `dibs-dlt-test-${Date.now()}`;
  await admin.setOffsets({ groupId, topic: DEAD_LETTER_TOPIC, partitions: from });
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
  const read: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DEAD_LETTER_TOPIC });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("dead letters not read within 30 s")), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          read.push(message);
          if (read.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return read;
}
