import { join } from "node:path";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createKafka, ensureTopics } from "@dibs/kafka";
import { repoRoot } from "../infra/paths.ts";
import type { Pids } from "../observe/cpu-meter.ts";
import { SEED_TOPIC } from "../servers/seed-kafka.ts";
import { benchEnv } from "../settings.ts";
import { type Child, freePort, spawnTs } from "./processes.ts";

export const STRATEGY_NAMES = ["ceiling", "dibs", "db-lock", "redis-lock", "redis-zset-batch", "seed-kafka"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyContext {
  brokers: string[];
  /** Node flags for every process of the strategy (profiling). */
  nodeArgs: string[];
}

export interface RunningStrategy {
  url: string;
  /** The strategy's processes by role, for the CPU meter. */
  pids: Pids;
  /** dibs: where its issuer serves /metrics. */
  issuerPort?: number;
  /** What the strategy's processes reported that the reader should know (swallowed errors, for one). */
  notes(): string[];
  stop(): Promise<void>;
}

export const SUMMARIES: Record<StrategyName, string> = {
  ceiling: "the same route doing no work: the HTTP layer alone",
  dibs: "the real apps/api and apps/issuer: Kafka acks = all before 202, Lua gate, set-based Postgres batches",
  "db-lock": "one transaction per request, SELECT … FOR UPDATE on the coupon row",
  "redis-lock": "SET NX PX lock per coupon, retried every 10–30 ms, around the same transaction",
  "redis-zset-batch": "ZADD NX + ZRANK against the stock, a batch job issuing to Postgres every second",
  "seed-kafka":
    "one fire-and-forget message per request; consumer: SISMEMBER, stock read, SCARD, `stock < issued`, SADD, one transaction per message, errors swallowed",
};

/** The bench's own Kafka clients keep quiet: their retries are not news. */
export const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

const BASELINE = join(repoRoot, "bench/src/servers/baseline.ts");
const READY = /^ready (\d+)$/;

export async function startStrategy(name: StrategyName, context: StrategyContext): Promise<RunningStrategy> {
  if (name === "dibs") return startDibs(context);
  const env = { KAFKA_BROKERS: context.brokers.join(","), BENCH_DATABASE_URL: benchEnv.databaseUrl };
  const children: Child[] = [];
  try {
    if (name === "seed-kafka") await createSeedTopic(context.brokers);
    let worker: Child | undefined;
    if (name === "seed-kafka" || name === "redis-zset-batch") {
      const groupEnv = { ...env, GROUP_ID: `bench-seed-${Date.now()}` };
      worker = (await spawnTs(BASELINE, [name, "worker"], { env: groupEnv, nodeArgs: context.nodeArgs, readyLine: READY })).child;
      children.push(worker);
    }
    const api = await spawnTs(BASELINE, [name, "api"], { env, nodeArgs: context.nodeArgs, readyLine: READY });
    children.push(api.child);
    return {
      url: `http://127.0.0.1:${api.ready}`,
      pids: { api: [api.child.pid], ...(worker ? { worker: [worker.pid] } : {}) },
      notes: () => swallowedErrors(children),
      stop: () => stopAll(children),
    };
  } catch (error) {
    await stopAll(children);
    throw error;
  }
}

/** dibs as it runs in production: apps/api/src/main.ts and apps/issuer/src/main.ts, each in its own process. */
async function startDibs(context: StrategyContext): Promise<RunningStrategy> {
  const [apiPort, issuerPort] = [await freePort(), await freePort()];
  const common = {
    DATABASE_URL: benchEnv.databaseUrl,
    REDIS_URL: benchEnv.redisUrl,
    KAFKA_BROKERS: context.brokers.join(","),
    LOG_LEVEL: "warn",
    KAFKAJS_NO_PARTITIONER_WARNING: "1",
    // The bench's own secrets, which the apps take only on a development run.
    INSECURE_DEV_DEFAULTS: "true",
  };
  const children: Child[] = [];
  try {
    const api = await spawnTs(join(repoRoot, "apps/api/src/main.ts"), [], {
      env: {
        ...common,
        PORT: String(apiPort),
        HOST: "127.0.0.1",
        JWT_SECRET: benchEnv.jwtSecret,
        JWT_ISSUER: benchEnv.jwtIssuer,
        REQUEST_ID_SECRET: benchEnv.requestIdSecret,
      },
      nodeArgs: context.nodeArgs,
      readyUrl: `http://127.0.0.1:${apiPort}/readyz`,
    });
    children.push(api.child);
    const groupId = `bench-dibs-${Date.now()}`;
    await startGroupAtEnd(context.brokers, groupId, ISSUE_REQUEST_TOPIC);
    const issuer = await startIssuer(context, groupId, issuerPort);
    children.push(issuer);
    return {
      url: `http://127.0.0.1:${apiPort}`,
      pids: { api: [api.child.pid], worker: [issuer.pid] },
      issuerPort,
      notes: () => [],
      stop: () => stopAll(children),
    };
  } catch (error) {
    await stopAll(children);
    throw error;
  }
}

/** One real issuer process (apps/issuer/src/main.ts) in consumer group `groupId`. */
export async function startIssuer(context: StrategyContext, groupId: string, issuerPort: number): Promise<Child> {
  const issuer = await spawnTs(join(repoRoot, "apps/issuer/src/main.ts"), [], {
    env: {
      DATABASE_URL: benchEnv.databaseUrl,
      REDIS_URL: benchEnv.redisUrl,
      KAFKA_BROKERS: context.brokers.join(","),
      LOG_LEVEL: "warn",
      KAFKAJS_NO_PARTITIONER_WARNING: "1",
      ISSUER_PORT: String(issuerPort),
      ISSUER_GROUP_ID: groupId,
    },
    nodeArgs: context.nodeArgs,
    readyUrl: `http://127.0.0.1:${issuerPort}/readyz`,
  });
  return issuer.child;
}

/** A fresh consumer group starts where the topic ends now, whatever earlier phases left in it. */
export async function startGroupAtEnd(brokers: string[], groupId: string, topic: string): Promise<void> {
  const admin = createKafka({ brokers, clientId: "bench-admin", logger: SILENT }).admin();
  await admin.connect();
  try {
    await ensureTopics(admin);
    // The topic's end, committed as real offsets: resetOffsets({ earliest: false }) commits -1, which an issuer
    // subscribed fromBeginning reads as "from the start", so every new group re-read the whole topic.
    const ends = await withRetries(() => admin.fetchTopicOffsets(topic));
    await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  } finally {
    await admin.disconnect();
  }
}

/** Right after a topic is created its partitions may have no leader yet (NOT_LEADER): ask again. */
async function withRetries<T>(work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function createSeedTopic(brokers: string[]): Promise<void> {
  const admin = createKafka({ brokers, clientId: "bench-admin", logger: SILENT }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: SEED_TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function swallowedErrors(children: Child[]): string[] {
  const lines = children.flatMap((c) => c.linesStartingWith("message skipped").concat(c.linesStartingWith("batch job failed")));
  if (lines.length === 0) return [];
  return [`${lines.length} error${lines.length === 1 ? "" : "s"} logged and swallowed, e.g. "${lines[0]}"`];
}

async function stopAll(children: Child[]): Promise<void> {
  for (const child of [...children].reverse()) await child.stop();
}
