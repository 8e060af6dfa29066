import { spawn } from "node:child_process";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { type Admin, type Kafka, type KafkaMessage, Partitioners } from "kafkajs";
import { repoRoot } from "./env.ts";

/** infra/kafka/kafka.sh without blocking the event loop: the load goes on meanwhile. */
export function kafkaSh(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [`${repoRoot}infra/kafka/kafka.sh`, ...args], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${args.join(" ")} exited with ${code}`))));
  });
}

/** The request topic's partition for a coupon (the key), as the API's producer picks it. */
export async function partitionOf(admin: Admin, couponId: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [ISSUE_REQUEST_TOPIC] });
  return Partitioners.DefaultPartitioner()({ topic: ISSUE_REQUEST_TOPIC, partitionMetadata: topics[0]!.partitions, message: { key: couponId, value: null } });
}

/** The node (kafka.sh's N, which is the broker's node.id) that leads a partition of the request topic. */
export async function leaderOf(admin: Admin, partition: number): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [ISSUE_REQUEST_TOPIC] });
  const leader = topics[0]!.partitions.find((p) => p.partitionId === partition)?.leader;
  if (leader === undefined || leader < 1) throw new Error(`partition ${partition} has no leader`);
  return leader;
}

export type Offsets = Array<{ partition: number; offset: string }>;

export async function topicEnds(admin: Admin, topic: string): Promise<Offsets> {
  return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
}

/** Every message of `topic` between `from` and the current ends, read by a throwaway consumer group. */
export async function readBetween(kafka: Kafka, admin: Admin, topic: string, from: Offsets, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const ends = new Map((await topicEnds(admin, topic)).map((p) => [p.partition, BigInt(p.offset)]));
  const pending = new Set(from.filter((p) => BigInt(p.offset) < (ends.get(p.partition) ?? 0n)).map((p) => p.partition));
  if (pending.size === 0) return [];
  const groupId = `faults-reader-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await admin.setOffsets({ groupId, topic, partitions: from });
  const consumer = kafka.consumer({ groupId });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`partitions ${[...pending]} of ${topic} not read to their end within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition) ?? 0n;
            messages.push(...batch.messages.filter((m) => BigInt(m.offset) < end));
            if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return messages;
}
