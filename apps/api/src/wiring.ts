import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient, PrismaIssueStore } from "@dibs/db";
import { createRedis, createSubscriber, type RedisClient, RedisIssueGate, RedisQueueLine, type RedisSettings } from "@dibs/gate";
import { createIdempotentProducer, createKafka, ensureTopics, type KafkaSecuritySettings, kafkaSecurityFrom } from "@dibs/kafka";
import type { Logger } from "pino";
import { CachedCouponCatalog } from "./adapters/cached-coupon-catalog.ts";
import { KafkaIssueRequestPublisher } from "./adapters/kafka-issue-request-publisher.ts";
import { LotterySecretSeal } from "./adapters/lottery-secret-seal.ts";
import { KafkaRedisPostgresOperations } from "./adapters/operations.ts";
import { PostgresKafkaSaleWatch } from "./adapters/postgres-kafka-sale-watch.ts";
import { PrismaCouponAdmin } from "./adapters/prisma-coupon-admin.ts";
import { PrismaIssueQueries } from "./adapters/prisma-issue-queries.ts";
import { listenForCouponChanges, RedisCouponChanges } from "./adapters/redis-coupon-changes.ts";
import { RedisDecisionFeed } from "./adapters/redis-decision-feed.ts";
import { RedisIdempotencyKeys } from "./adapters/redis-idempotency-keys.ts";
import type { ApiConfig } from "./config.ts";
import { type ApiMetrics, createApiMetrics } from "./metrics.ts";
import type { ApiDeps } from "./ports.ts";
import { PrequeueDraws } from "./prequeue-draws.ts";

export interface ApiAdapters {
  deps: ApiDeps;
  /** What the adapters count into; give it to buildApp so /metrics serves it. */
  metrics: ApiMetrics;
  /** For the per-user rate limit, whose counts every API instance shares. */
  redis: RedisClient;
  /** Flushes what is queued for Kafka and closes every connection. */
  close(): Promise<void>;
}

/** Kafka's and Redis' TLS and credentials are optional: absent, plaintext without SASL, as in development. */
type AdapterConfig = Pick<ApiConfig, "DATABASE_URL" | "REDIS_URL" | "KAFKA_BROKERS" | "PUBLISH_TIMEOUT_MS"> &
  Partial<Pick<ApiConfig, "ISSUER_GROUP_ID" | "LOTTERY_SECRET_KEY">> &
  KafkaSecuritySettings &
  RedisSettings;

/** Connects the real adapters: Kafka (topics ensured first), Redis and Postgres. */
export async function connectAdapters(config: AdapterConfig, log: Logger, metrics: ApiMetrics = createApiMetrics()): Promise<ApiAdapters> {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-api", logger: log, security: kafkaSecurityFrom(config) });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, log);
  const metadata = await admin.fetchTopicMetadata({ topics: [ISSUE_REQUEST_TOPIC] });
  await admin.disconnect();

  const producer = createIdempotentProducer(kafka);
  let producerConnected = false;
  producer.on(producer.events.CONNECT, () => (producerConnected = true));
  producer.on(producer.events.DISCONNECT, () => (producerConnected = false));
  await producer.connect();

  const redis = createRedis(config, { maxRetriesPerRequest: 1, commandTimeout: 1_000 });
  redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const subscriber = createSubscriber(redis);
  subscriber.on(
    "error",
    oncePerSecond((err: Error, suppressed) => log.warn({ err: err.message, suppressed }, "redis subscriber connection error")),
  );
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 20 });

  const partitions = metadata.topics[0]!.partitions;
  const publisher = new KafkaIssueRequestPublisher(producer, partitions, { ackTimeoutMs: config.PUBLISH_TIMEOUT_MS }, log, metrics);
  const catalog = new CachedCouponCatalog(prisma, redis, { couponTtlMs: 1_000, soldOutTtlMs: 100, staleIfErrorMs: 60_000 }, log);
  const stopListening = await listenForCouponChanges(subscriber, (couponId) => catalog.forget(couponId));
  const saleWatch = new PostgresKafkaSaleWatch(prisma, kafka, config.ISSUER_GROUP_ID ?? "coupon-issuer");
  const decisions = new RedisDecisionFeed(log);
  await decisions.listen(subscriber);
  const deps: ApiDeps = {
    catalog,
    publisher,
    queries: new PrismaIssueQueries(prisma),
    admin: new PrismaCouponAdmin(prisma, config.LOTTERY_SECRET_KEY ? new LotterySecretSeal(config.LOTTERY_SECRET_KEY) : null),
    changes: new RedisCouponChanges(redis),
    decisions,
    operations: new KafkaRedisPostgresOperations({
      store: new PrismaIssueStore(prisma),
      gate: new RedisIssueGate(redis),
      kafka,
      issuerGroupId: config.ISSUER_GROUP_ID ?? "coupon-issuer",
    }),
    idempotency: new RedisIdempotencyKeys(redis),
    saleWatch,
    line: new RedisQueueLine(redis),
    readiness: {
      kafka: async () => {
        if (!producerConnected) throw new Error("producer disconnected");
      },
      redis: async () => void (await redis.ping()),
      postgres: async () => void (await prisma.$queryRaw`SELECT 1`),
    },
  };
  const prequeueDraws = new PrequeueDraws(deps, config.PUBLISH_TIMEOUT_MS, log);
  return {
    deps,
    metrics,
    redis,
    async close() {
      prequeueDraws.close();
      await publisher.flush();
      publisher.close();
      await producer.disconnect();
      await stopListening().catch(() => undefined);
      await saleWatch.close();
      await prisma.$disconnect();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

/**
 * During a cluster failover the sharded subscriber retries the dead master many times a second, each retry an error:
 * one line a second says as much, with how many were left out since the last.
 */
function oncePerSecond<T>(report: (value: T, suppressed: number) => void): (value: T) => void {
  let last = 0;
  let suppressed = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < 1_000) {
      suppressed += 1;
      return;
    }
    report(value, suppressed);
    last = now;
    suppressed = 0;
  };
}
