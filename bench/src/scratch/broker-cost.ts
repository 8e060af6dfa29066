import { readFileSync } from "node:fs";
import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import { startBenchBroker } from "../infra/kafka-broker.ts";
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };
const cpu = (pid: number) => { const s = readFileSync(`/proc/${pid}/stat`, "utf8"); const f = s.slice(s.lastIndexOf(")") + 2).split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
const broker = await startBenchBroker(console.log);
try {
  const kafka = createKafka({ brokers: broker.brokers, clientId: "x", logger: SILENT });
  const admin = kafka.admin(); await admin.connect();
  await admin.createTopics({ topics: [{ topic: "t", numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true }); await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = JSON.stringify({ v: 1, requestId: "0190b6a0-0000-7000-8000-0000000000aa", couponId: "0190b6a0-0000-7000-8000-0000000000aa", userId: "bench-user-12345", acceptedAt: new Date().toISOString() });
  for (const batch of [100, 100, 1000, 10]) {
    const n = 50_000;
    const c0 = cpu(broker.pid); const me0 = process.cpuUsage(); const t0 = performance.now();
    for (let sent = 0; sent < n; sent += batch) await producer.send({ topic: "t", acks: -1, messages: Array.from({ length: batch }, () => ({ key: "0190b6a0-0000-7000-8000-0000000000aa", value })) });
    const c1 = cpu(broker.pid); const me = process.cpuUsage(me0); const t = performance.now() - t0;
    console.log(`batch ${batch}: ${n} msgs in ${t.toFixed(0)} ms, broker ${((c1 - c0) * 1e6 / n).toFixed(1)} µs/msg, kafkajs producer ${((me.user + me.system) / n).toFixed(1)} µs/msg, ${((t / (n / batch))).toFixed(2)} ms per send`);
  }
  await producer.disconnect();
} finally { await broker.stop(); }
