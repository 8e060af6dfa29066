import { createPrismaClient, PrismaIssueStore } from "@dibs/db";
import type { IssueGate, IssueStore } from "@dibs/domain";
import { createRedis, RedisIssueGate, type RedisSettings } from "@dibs/gate";
import { createIdempotentProducer, createKafka, ensureTopics, type KafkaSecuritySettings, kafkaSecurityFrom } from "@dibs/kafka";
import type { Logger } from "pino";
import { KafkaDeadLetters } from "./adapters/kafka-dead-letters.ts";
import { RedisDecisionNotifier } from "./adapters/redis-decision-notifier.ts";
import { BatchPipeline, type ConsumerControl, DEFAULT_SETTINGS, type PipelineSettings } from "./batch-pipeline.ts";
import type { IssuerConfig } from "./config.ts";
import { isTransient } from "./failures.ts";
import { createIssueConsumer } from "./issue-consumer.ts";
import { IssuerMetrics } from "./metrics.ts";

export interface Issuer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness: Record<string, () => Promise<void>>;
  metrics: IssuerMetrics;
}

/**
 * Where a caller may wrap the issuer's parts: the fault-injection suite (tests/faults) crashes or lies through these;
 * the process itself passes none.
 */
export interface IssuerWrappers {
  store?: (store: IssueStore) => IssueStore;
  gate?: (gate: IssueGate) => IssueGate;
  control?: (control: ConsumerControl) => ConsumerControl;
  settings?: Partial<PipelineSettings>;
}

/** Kafka's and Redis' TLS and credentials; absent, plaintext without SASL, as in development. */
type TransportSettings = KafkaSecuritySettings & RedisSettings;

/** How long a health probe of Redis or Postgres may take before it counts as no answer. */
const PROBE_TIMEOUT_MS = 2_000;

/** Wires the real adapters around the pipeline and its consumer. Used by the process and by integration tests alike. */
export function createIssuer(
  config: Pick<IssuerConfig, "DATABASE_URL" | "REDIS_URL" | "KAFKA_BROKERS" | "ISSUER_GROUP_ID"> & TransportSettings,
  log: Logger,
  metrics: IssuerMetrics = new IssuerMetrics(),
  wrappers: IssuerWrappers = {},
): Issuer {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-issuer", logger: log, security: kafkaSecurityFrom(config) });
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 10 });
  const redis = createRedis(config, { maxRetriesPerRequest: 3, lazyConnect: true });
  redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const producer = createIdempotentProducer(kafka);
  const wrap = <T>(part: T, wrapper: ((part: T) => T) | undefined) => (wrapper ? wrapper(part) : part);
  const consumer = createIssueConsumer(kafka, config.ISSUER_GROUP_ID, log, metrics);
  const readiness = {
    kafka: async () => {
      if (!consumer.isConnected()) throw new Error("consumer not in the group");
    },
    redis: async () => void (await redis.ping()),
    postgres: async () => void (await prisma.$queryRaw`SELECT 1`),
  };
  const gate = new RedisIssueGate(redis);
  const pipeline = new BatchPipeline({
    gate: metrics.timedGate(wrap<IssueGate>(gate, wrappers.gate)),
    store: metrics.timedStore(wrap<IssueStore>(new PrismaIssueStore(prisma), wrappers.store)),
    deadLetters: new KafkaDeadLetters(producer, log),
    notifier: new RedisDecisionNotifier(redis, gate, log),
    control: wrap(consumer.control, wrappers.control),
    retry: {
      isTransient,
      dependenciesAnswer: () => answers([readiness.redis, readiness.postgres]),
      backoffMs: (attempt) => Math.min(5_000, 100 * 2 ** (attempt - 1)),
    },
    metrics,
    log,
    settings: { ...DEFAULT_SETTINGS, ...wrappers.settings },
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
      await consumer.start(pipeline);
    },
    async stop() {
      await consumer.stop();
      await producer.disconnect();
      await prisma.$disconnect();
      redis.disconnect();
    },
    readiness,
  };
}

async function answers(probes: Array<() => Promise<void>>): Promise<boolean> {
  const within = (probe: () => Promise<void>) =>
    Promise.race([probe().then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, PROBE_TIMEOUT_MS, false).unref())]);
  try {
    return (await Promise.all(probes.map(within))).every(Boolean);
  } catch {
    return false;
  }
}
