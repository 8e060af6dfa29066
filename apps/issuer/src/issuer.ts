import { createPrismaClient } from "@dibs/db";
import { createIdempotentProducer, createKafka, ensureTopics } from "@dibs/kafka";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { KafkaDeadLetters } from "./adapters/kafka-dead-letters.ts";
import { PrismaIssueStore } from "@dibs/db";
import { RedisDecisionNotifier } from "./adapters/redis-decision-notifier.ts";
import { RedisIssueGate } from "@dibs/gate";
import type { IssuerConfig } from "./config.ts";
import { faultBeforeRecording, plannedFault } from "./fault-points.ts";
import { createIssueConsumer } from "./issue-consumer.ts";
import { IssuerMetrics } from "./metrics.ts";

export interface Issuer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness: Record<string, () => Promise<void>>;
  metrics: IssuerMetrics;
}

/** Wires the real adapters around the consumer. Used by the process and by integration tests alike. */
export function createIssuer(
  config: Omit<IssuerConfig, "ISSUER_PORT" | "LOG_LEVEL">,
  log: Logger,
  metrics: IssuerMetrics = new IssuerMetrics(),
): Issuer {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-issuer", logger: log });
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 10 });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: true });
  redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const producer = createIdempotentProducer(kafka);
  const store = metrics.timedStore(new PrismaIssueStore(prisma));
  const faultPoint = plannedFault(config.DIBS_FAULT_POINT, config.DIBS_FAULT_AFTER_BATCHES);
  const consumer = createIssueConsumer({
    kafka,
    groupId: config.ISSUER_GROUP_ID,
    gate: metrics.timedGate(new RedisIssueGate(redis)),
    store: faultPoint ? faultBeforeRecording(store, faultPoint) : store,
    faultPoint,
    deadLetters: new KafkaDeadLetters(producer),
    notifier: new RedisDecisionNotifier(redis, log),
    log,
    metrics,
  });

  return {
    metrics,
    async start() {
      await redis.connect();
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, log);
      await admin.disconnect();
      await producer.connect();
      await consumer.start();
    },
    async stop() {
      await consumer.stop();
      await producer.disconnect();
      await prisma.$disconnect();
      redis.disconnect();
    },
    readiness: {
      kafka: async () => {
        if (!consumer.isConnected()) throw new Error("consumer not in the group");
      },
      redis: async () => void (await redis.ping()),
      postgres: async () => void (await prisma.$queryRaw`SELECT 1`),
    },
  };
}
