// tsx src/tools/publisher-stall.ts [seconds] [perSecond]: the API's Kafka publisher behind a broker that stops
// acknowledging, with requests arriving at a steady pace: how many it holds at most, how many it refuses at once or at
// their deadline, and the heap it uses. The bound on its queue is what keeps that heap flat.
import { createApiMetrics } from "@dibs/api/metrics";
import { KafkaIssueRequestPublisher } from "@dibs/api/publisher";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { PartitionMetadata, Producer } from "kafkajs";
import pino from "pino";

const seconds = Number(process.argv[2] ?? 30);
const perSecond = Number(process.argv[3] ?? 5_000);
const ackTimeoutMs = 5_000;

// Acknowledges at once for a while, so the publisher learns the pace, then never again.
let stalled = false;
const producer = {
  send: (record: { messages: Array<{ partition?: number }> }) =>
    stalled
      ? new Promise(() => {})
      : Promise.resolve(
          [...new Set(record.messages.map((m) => m.partition))].map((partition) => ({ topicName: ISSUE_REQUEST_TOPIC, partition, errorCode: 0 })),
        ),
} as unknown as Producer;
const partitions: PartitionMetadata[] = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
const publisher = new KafkaIssueRequestPublisher(producer, partitions, { ackTimeoutMs }, pino({ level: "silent" }), createApiMetrics());

const counts = { acknowledged: 0, refusedAtOnce: 0, refusedAtDeadline: 0 };
let pending = 0;
let mostPending = 0;
let mostHeapMb = 0;
const heapMb = () => process.memoryUsage().heapUsed / 1024 / 1024;
const startHeap = heapMb();

for (let second = 0; second < seconds; second++) {
  if (second === 2) stalled = true;
  const began = Date.now();
  for (let i = 0; i < perSecond; i++) {
    const request = { requestId: crypto.randomUUID(), couponId: crypto.randomUUID(), userId: `user-${second}-${i}`, acceptedAt: new Date() };
    const settled = publisher.publish(request, {}).then(
      () => void counts.acknowledged++,
      (error: Error) => void (/not keeping up|has not acknowledged a send/.test(error.message) ? counts.refusedAtOnce++ : counts.refusedAtDeadline++),
    );
    pending += 1;
    void settled.finally(() => (pending -= 1));
    if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  mostPending = Math.max(mostPending, pending);
  mostHeapMb = Math.max(mostHeapMb, heapMb());
  console.log(`second ${String(second + 1).padStart(3)}${stalled ? " (stalled)" : ""}: ${pending} requests waiting, heap ${heapMb().toFixed(1)} MB`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - began))));
}
publisher.close();
console.log(
  `\n${seconds} s at ${perSecond}/s, Kafka silent from second 3: at most ${mostPending} requests waiting, heap ${startHeap.toFixed(1)} → at most ${mostHeapMb.toFixed(1)} MB;` +
    ` ${counts.acknowledged} acknowledged, ${counts.refusedAtOnce} refused at once, ${counts.refusedAtDeadline} refused at their deadline`,
);
process.exit(0);
