// tsx src/tools/issuer-latency.ts [requests/s] [seconds] [--cpu-prof]: decision latency and CPU per request of one real issuer
// (apps/issuer/src/main.ts) at a steady rate, without the API and the HTTP load generator: requests are produced to a
// fresh bench broker in sends every 10 ms, and each is timed from its send's acknowledgement (when the API would
// answer 202) to its decision in Postgres. On a machine the whole sale would saturate, this shows what the issuer adds.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import { createKafka } from "@dibs/kafka";
import { Redis } from "ioredis";
import { Partitioners } from "kafkajs";
import { startBenchBroker } from "../infra/kafka-broker.ts";
import { benchDir } from "../infra/paths.ts";
import { prepareStores } from "../infra/stores.ts";
import { uuidV7 } from "../load/uuid-v7.ts";
import { cpuSeconds } from "../observe/cpu-meter.ts";
import { DecisionWatcher } from "../observe/decision-watcher.ts";
import { batchesBetween, readIssuerCounters } from "../observe/issuer-metrics.ts";
import { createCoupon } from "../run/phases.ts";
import { freePort } from "../run/processes.ts";
import { SILENT, startGroupAtEnd, startIssuer } from "../run/strategies.ts";
import { benchEnv } from "../settings.ts";

const [rate, seconds] = [Number(process.argv[2] ?? 2_000), Number(process.argv[3] ?? 10)];
/** With --cpu-prof, the issuer writes a CPU profile to bench/profiles/. */
const nodeArgs = process.argv.includes("--cpu-prof") ? ["--cpu-prof", `--cpu-prof-dir=${join(benchDir, "profiles")}`] : [];
const SEND_EVERY_MS = 10;
const WARM_UP_SECONDS = 3;

const broker = await startBenchBroker(console.log);
const prisma = createPrismaClient(benchEnv.databaseUrl, { poolSize: 2 });
const redis = new Redis(benchEnv.redisUrl);
const watcher = new DecisionWatcher(benchEnv.databaseUrl);
try {
  await prepareStores(benchEnv.databaseUrl, prisma, redis);
  await watcher.connect();
  const couponId = await createCoupon(prisma, "issuer latency", 100_000_000);
  const groupId = `issuer-latency-${Date.now()}`;
  await startGroupAtEnd(broker.brokers, groupId, ISSUE_REQUEST_TOPIC);
  const issuerPort = await freePort();
  const issuer = await startIssuer({ brokers: broker.brokers, nodeArgs }, groupId, issuerPort);
  const producer = createKafka({ brokers: broker.brokers, clientId: "issuer-latency", logger: SILENT }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    let user = 0;
    /** Produces at `rate` for `forSeconds`; returns when each request's send was acknowledged. */
    const load = async (forSeconds: number) => {
      const acknowledged = new Map<string, number>();
      const began = performance.now();
      for (let tick = 1; tick <= (forSeconds * 1_000) / SEND_EVERY_MS; tick++) {
        const requests = Array.from({ length: (rate * SEND_EVERY_MS) / 1_000 }, () => ({
          requestId: uuidV7(),
          couponId,
          userId: `latency-user-${user++}`,
          acceptedAt: new Date(),
        }));
        for (const r of requests) watcher.expect(r.requestId);
        await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages: requests.map((r) => encodeIssueRequest(r)) });
        const at = performance.now();
        for (const r of requests) acknowledged.set(r.requestId, at);
        const due = began + tick * SEND_EVERY_MS;
        if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      }
      await watcher.drained(30_000);
      return acknowledged;
    };
    watcher.start();
    await load(WARM_UP_SECONDS);
    const counters = await readIssuerCounters(issuerPort);
    const [issuerBefore, brokerBefore] = [cpuSeconds(issuer.pid), cpuSeconds(broker.pid)];
    const acknowledged = await load(seconds);
    const [issuerUsed, brokerUsed] = [cpuSeconds(issuer.pid) - issuerBefore, cpuSeconds(broker.pid) - brokerBefore];
    const batches = batchesBetween(counters, await readIssuerCounters(issuerPort), acknowledged.size);
    const latencies = [...acknowledged].map(([id, at]) => (watcher.decided.get(id)?.at ?? Number.NaN) - at).sort((a, b) => a - b);
    const undecided = latencies.filter(Number.isNaN).length;
    const decided = latencies.filter((l) => !Number.isNaN(l));
    const at = (q: number) => decided[Math.min(decided.length - 1, Math.floor(q * decided.length))]!.toFixed(1);
    const perRequest = (used: number) => ((used * 1e6) / acknowledged.size).toFixed(0);
    console.log(
      `${rate}/s for ${seconds} s: decision p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms` +
        `${undecided > 0 ? `, ${undecided} undecided` : ""} (the watcher looks every ${watcher.meanPollMs.toFixed(1)} ms); ` +
        `CPU per request: issuer ${perRequest(issuerUsed)} µs, broker ${perRequest(brokerUsed)} µs; ` +
        `${batches.batches} batches of ${batches.requestsPerBatch}, Postgres ${batches.postgresMsPerBatch} ms per batch`,
    );
  } finally {
    await producer.disconnect();
    await issuer.stop();
  }
} finally {
  await watcher.close();
  redis.disconnect();
  await prisma.$disconnect();
  await broker.stop();
}
