import { randomUUID } from "node:crypto";
import type { Admin, Consumer, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../src/client.ts";
import { kafkaSh, TEST_BROKER } from "./support/kafka-sh.ts";

// The patched kafkajs option `busyFetch`: the fetch after one that brought messages waits (up to its maxWaitTimeInMs)
// for more, so that a steady trickle arrives in batches; the fetch after an empty one answers at the first message.
const BUSY_WAIT_MS = 50;

const kafka = createKafka({ brokers: TEST_BROKER, clientId: "dibs-busy-fetch-test" });
let admin: Admin;

beforeAll(async () => {
  await kafkaSh("start", "--test");
  admin = kafka.admin();
  await admin.connect();
});
afterAll(() => admin.disconnect());

describe("a consumer with busyFetch (patched kafkajs)", { timeout: 60_000 }, () => {
  it("gathers a steady trickle of messages into batches while it lasts", async () => {
    const plain = await trickle(undefined, { messages: 100, gapMs: 2 });
    const busy = await trickle({ minBytes: 64 * 1024, maxWaitTimeInMs: BUSY_WAIT_MS }, { messages: 100, gapMs: 2 });

    expect(plain.batches).toBeGreaterThan(40);
    expect(busy.batches).toBeLessThan(plain.batches / 4);
    expect(busy.slowestMs).toBeLessThan(500);
  });

  it("answers at once after a quiet spell: the first message after it does not wait for company", async () => {
    // The busy fetch after each message comes back empty a second later; the next message, half a second after that,
    // finds a plain fetch waiting for it. A consumer that always asked for the busy wait would hold each message up to
    // a second.
    const busy = await trickle({ minBytes: 64 * 1024, maxWaitTimeInMs: 1_000 }, { messages: 4, gapMs: 1_500 });

    expect(busy.batches).toBe(4);
    expect(busy.slowestMs).toBeLessThan(200);
  });
});

/** Produces `messages` one by one, `gapMs` apart, to a new topic; how many batches the consumer saw, and the slowest delivery. */
async function trickle(
  busyFetch: { minBytes: number; maxWaitTimeInMs: number } | undefined,
  { messages, gapMs }: { messages: number; gapMs: number },
): Promise<{ batches: number; slowestMs: number }> {
  const topic = `busy-fetch-${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  // A producer of its own: kafkajs' producer keeps asking for the metadata of every topic it ever sent to, deleted or not.
  const producer: Producer = kafka.producer();
  const consumer: Consumer = kafka.consumer({ groupId: topic, maxWaitTimeInMs: 5_000, ...(busyFetch ? { busyFetch } : {}) });
  let batches = 0;
  let slowestMs = 0;
  let received = 0;
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        batches++;
        for (const message of batch.messages) {
          slowestMs = Math.max(slowestMs, Date.now() - Number(message.value!.toString()));
          received++;
        }
      },
    });
    await joined;
    // The first fetch after joining may still be on its way: a message sent now could ride an old long poll.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < messages; i++) {
      await producer.send({ topic, messages: [{ value: String(Date.now()) }] });
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    const deadline = Date.now() + 20_000;
    while (received < messages && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toBe(messages);
    return { batches, slowestMs };
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
    await admin.deleteTopics({ topics: [topic] });
  }
}
