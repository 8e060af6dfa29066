// tsx src/tools/broker-cost.ts: CPU that a fresh broker of the bench's own and the kafkajs producer spend per message,
// by messages per send (acks = all, idempotent, one send in flight: as the API sends); first its CPU while idle, the
// fixed cost that every request bears at low rates.
import { readFileSync } from "node:fs";
import { encodeIssueRequest } from "@dibs/contracts";
import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import { startBenchBroker } from "../infra/kafka-broker.ts";
import { SILENT } from "../run/strategies.ts";

const MESSAGES = 50_000;
const IDLE_MS = 10_000;
const broker = await startBenchBroker(console.log);
try {
  const kafka = createKafka({ brokers: broker.brokers, clientId: "broker-cost", logger: SILENT });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "broker-cost", numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const idleBefore = cpuSeconds(broker.pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  console.log(`idle: broker ${(((cpuSeconds(broker.pid) - idleBefore) * 1e3) / (IDLE_MS / 1e3)).toFixed(1)} ms CPU per second`);
  const id = "0190b6a0-0000-7000-8000-0000000000aa";
  // As the API sends them: with the trace headers, and the partition chosen (once per coupon) by the API.
  const { key, value, headers } = encodeIssueRequest(
    { requestId: id, couponId: id, userId: "bench-user-12345", acceptedAt: new Date() },
    { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", requestId: "req-1a2b" },
  );
  // The first round warms the broker's JIT; the figures to read are the later ones.
  for (const perSend of [100, 10, 100, 1_000]) {
    const brokerBefore = cpuSeconds(broker.pid);
    const producerBefore = process.cpuUsage();
    const began = performance.now();
    for (let sent = 0; sent < MESSAGES; sent += perSend) {
      await producer.send({ topic: "broker-cost", acks: -1, messages: Array.from({ length: perSend }, () => ({ key, value, headers, partition: 0 })) });
    }
    const ms = performance.now() - began;
    const producerUsed = process.cpuUsage(producerBefore);
    console.log(
      `${String(perSend).padStart(5)} per send: broker ${(((cpuSeconds(broker.pid) - brokerBefore) * 1e6) / MESSAGES).toFixed(1)} µs/message, ` +
        `kafkajs ${((producerUsed.user + producerUsed.system) / MESSAGES).toFixed(1)} µs/message, ${(ms / (MESSAGES / perSend)).toFixed(2)} ms per send`,
    );
  }
  const idleAfter = cpuSeconds(broker.pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  console.log(`idle after: broker ${(((cpuSeconds(broker.pid) - idleAfter) * 1e3) / (IDLE_MS / 1e3)).toFixed(1)} ms CPU per second`);
  await producer.disconnect();
} finally {
  await broker.stop();
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
