import { performance } from "node:perf_hooks";
import { encodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { PrismaClient } from "@dibs/db";
import { createKafka } from "@dibs/kafka";
import { Partitioners } from "kafkajs";
import { Progress } from "../load/progress.ts";
import { uuidV7 } from "../load/uuid-v7.ts";
import { batchesBetween, readIssuerCounters } from "../observe/issuer-metrics.ts";
import type { BenchProfile } from "../settings.ts";
import { createCoupon } from "./phases.ts";
import { freePort } from "./processes.ts";
import { SILENT, type StrategyContext, startGroupAtEnd, startIssuer } from "./strategies.ts";

export interface DrainResult {
  coupons: number;
  requests: number;
  issued: number;
  /** From the first issue seen in Postgres to the last. */
  seconds: number;
  issuedPerSecond: number;
  /** From the issuer's start (process, group join) to the last issue. */
  totalSeconds: number;
  /** From the issuer's own metrics: batches, and the mean time of each batch's Postgres transaction and Redis scripts. */
  batches: number;
  postgresMsPerBatch: number;
  redisMsPerBatch: number;
}

/** One hot coupon's batch goes to one partition: 1,000 messages stay under the broker's 1 MB limit. */
const PRELOAD_BATCH = 1_000;
const DRAIN_TIMEOUT_MS = 120_000;
const NOTHING_YET = { batches: 0, postgresSeconds: 0, redisCalls: 0, redisSeconds: 0, sends: 0, sentMessages: 0, sendSeconds: 0 };

/** Preloads the topic with requests that all deserve a coupon, then lets one issuer drain them into Postgres. */
export async function drainBenchmark(context: StrategyContext, prisma: PrismaClient, settings: BenchProfile["drain"]): Promise<DrainResult[]> {
  const results: DrainResult[] = [];
  for (const couponCount of settings.coupons) {
    const perCoupon = Math.ceil(settings.requests / couponCount);
    const requests = perCoupon * couponCount;
    const couponIds: string[] = [];
    for (let i = 0; i < couponCount; i++) couponIds.push(await createCoupon(prisma, `drain ${couponCount}/${i}`, perCoupon));
    const groupId = `bench-drain-${couponCount}-${Date.now()}`;
    await startGroupAtEnd(context.brokers, groupId, ISSUE_REQUEST_TOPIC);
    const progress = new Progress(`drain ${couponCount === 1 ? "1 hot coupon" : `${couponCount} coupons`}`);
    let stage = "preloading";
    let issued = 0;
    progress.start(() => `${stage} · ${issued}/${requests} issued`);
    await preload(context.brokers, couponIds, perCoupon, (sent) => (stage = `preloaded ${sent}/${requests}`));

    stage = "issuer starting";
    const started = performance.now();
    let first: { at: number; issued: number } | undefined;
    let last = started;
    const issuedSoFar = () =>
      prisma.$queryRaw<Array<{ n: bigint | null }>>`SELECT sum(issued_count) AS n FROM coupon WHERE id = ANY(${couponIds}::uuid[])`.then(
        ([row]) => Number(row?.n ?? 0),
        () => issued, // Postgres restarting under someone else's fault test: look again.
      );
    const watching = (async () => {
      while (issued < requests && performance.now() - started < DRAIN_TIMEOUT_MS) {
        const seen = await issuedSoFar();
        const now = performance.now();
        if (seen > issued) last = now;
        if (seen > 0 && !first) first = { at: now, issued: seen };
        issued = seen;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const issuerPort = await freePort();
    const issuer = await startIssuer(context, groupId, issuerPort);
    let inside;
    try {
      stage = "issuer draining";
      await watching;
      inside = batchesBetween(NOTHING_YET, await readIssuerCounters(issuerPort), issued);
    } finally {
      await issuer.stop();
    }
    const seconds = first ? (last - first.at) / 1000 : 0;
    const result: DrainResult = {
      coupons: couponCount,
      requests,
      issued,
      seconds: Math.round(seconds * 100) / 100,
      issuedPerSecond: first && seconds > 0 ? Math.round((issued - first.issued) / seconds) : 0,
      totalSeconds: Math.round(((last - started) / 1000) * 100) / 100,
      batches: inside.batches,
      postgresMsPerBatch: inside.postgresMsPerBatch,
      redisMsPerBatch: inside.redisMsPerBatch,
    };
    progress.done(
      `${issued}/${requests} issued · ${result.issuedPerSecond} coupons/s (${result.seconds} s from the first issue, ${result.totalSeconds} s from the issuer's start)` +
        ` · ${result.batches} batches, Postgres ${result.postgresMsPerBatch} ms and Redis ${result.redisMsPerBatch} ms per batch`,
    );
    results.push(result);
  }
  return results;
}

async function preload(brokers: string[], couponIds: string[], perCoupon: number, onProgress: (sent: number) => void): Promise<void> {
  const producer = createKafka({ brokers, clientId: "bench-preload", logger: SILENT }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // Round robin over the coupons, as a sale of many coupons at once would interleave them.
    const all = Array.from({ length: perCoupon }, (_, i) => couponIds.map((couponId) => ({ couponId, userId: `drain-user-${i}` }))).flat();
    for (let i = 0; i < all.length; i += PRELOAD_BATCH) {
      const messages = all
        .slice(i, i + PRELOAD_BATCH)
        .map(({ couponId, userId }) => encodeIssueRequest({ requestId: uuidV7(), couponId, userId, acceptedAt: new Date() }));
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages });
      onProgress(Math.min(all.length, i + PRELOAD_BATCH));
    }
  } finally {
    await producer.disconnect();
  }
}
