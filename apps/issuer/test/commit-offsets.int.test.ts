import { createKafka, type Logger } from "@dibs/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitDecided } from "../src/commit-offsets.ts";

// A batch that outlives the session (Postgres stalled, say) comes back to a group that has moved on: the commit is
// refused. The consumer must rejoin and carry on, not crash and leave the process idle.
const SESSION_TIMEOUT_MS = 6_000;

describe("committing after the group moved on without us", () => {
  const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","), clientId: "dibs-commit-test", logger: silent });
  const admin = kafka.admin();
  const topic = `commit-after-expiry-${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("rejoins and goes on consuming, as the issuer does", { timeout: 90_000 }, async () => {
    const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 } });
    const producer = kafka.producer();
    const seen: string[] = [];
    let crashed = false;
    consumer.on(consumer.events.CRASH, (event) => (crashed = !event.payload.restart));
    await Promise.all([consumer.connect(), producer.connect()]);
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const values = batch.messages.map((m) => m.value!.toString());
          seen.push(...values);
          // The first time through, the batch takes longer than the session: nobody heartbeats meanwhile.
          if (values.includes("slow") && seen.filter((v) => v === "slow").length === 1) await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS + 4_000));
          await commitDecided(consumer, { topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
          resolveOffset(batch.lastOffset());
        },
      });
      await producer.send({ topic, messages: [{ value: "slow" }] });
      await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS + 6_000));
      await producer.send({ topic, messages: [{ value: "after" }] });

      const deadline = Date.now() + 45_000;
      while (!seen.includes("after") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect({ crashed, seen: [...new Set(seen)] }).toEqual({ crashed: false, seen: ["slow", "after"] });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
