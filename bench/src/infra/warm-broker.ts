import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import { SILENT } from "../run/strategies.ts";

const TOPIC = "bench-warm-up";
const MESSAGES = 150_000;
const BATCH = 1_000;

/**
 * A fresh broker's JVM compiles its hot paths during the first minute of traffic, burning CPU that the first
 * strategy to use Kafka would be charged with. Produce and consume a few hundred thousand messages first.
 */
export async function warmBroker(brokers: string[]): Promise<void> {
  const kafka = createKafka({ brokers, clientId: "bench-warm-up", logger: SILENT });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = "x".repeat(200);
  for (let sent = 0; sent < MESSAGES; sent += BATCH) {
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: BATCH }, (_, i) => ({ key: String((sent + i) % 97), value })) });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: "bench-warm-up" });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let consumed = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= MESSAGES) resolve();
      },
    });
  });
  await consumer.disconnect();
}
