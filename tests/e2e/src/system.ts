import type { AddressInfo } from "node:net";
import { buildApp } from "@dibs/api/app";
import { mintToken } from "@dibs/api/tokens";
import { connectAdapters } from "@dibs/api/wiring";
import { createIssuer, type Issuer } from "@dibs/issuer/wiring";
import pino from "pino";
import { testEnv } from "./env.ts";

export const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "warn" });

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/**
 * What a test may change of the apps' settings: Redis (the tests' database unless it gives the Redis Cluster's nodes)
 * and the issuers' consumer group.
 */
export interface SystemSettings {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: readonly string[];
  ISSUER_GROUP_ID?: string;
}

/** A real API instance on an ephemeral port: real Kafka, Redis and Postgres behind it. */
export async function startApi(settings: SystemSettings = {}): Promise<RunningApi> {
  const adapters = await connectAdapters(
    {
      DATABASE_URL: testEnv.databaseUrl,
      REDIS_URL: testEnv.redisUrl,
      KAFKA_BROKERS: testEnv.kafkaBrokers,
      PUBLISH_TIMEOUT_MS: 10_000,
      ISSUER_GROUP_ID: testEnv.issuerGroupId,
      LOTTERY_SECRET_KEY: testEnv.lotterySecretKey,
      ...settings,
    },
    log.child({ app: "api" }),
  );
  const app = await buildApp(adapters.deps, {
    auth: { algorithm: "HS256", key: testEnv.jwtSecret, issuer: testEnv.jwtIssuer },
    requestIdSecret: testEnv.requestIdSecret,
    logger: log.child({ app: "api" }),
    metrics: adapters.metrics,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await adapters.close();
    },
  };
}

export async function startIssuers(count: number, settings: SystemSettings = {}): Promise<Issuer[]> {
  const issuers = Array.from({ length: count }, (_, i) =>
    createIssuer(
      {
        DATABASE_URL: testEnv.databaseUrl,
        REDIS_URL: testEnv.redisUrl,
        KAFKA_BROKERS: testEnv.kafkaBrokers,
        ISSUER_GROUP_ID: testEnv.issuerGroupId,
        ...settings,
      },
      log.child({ app: "issuer", instance: i }),
    ),
  );
  await Promise.all(issuers.map((issuer) => issuer.start()));
  return issuers;
}

export function tokenFor(userId: string, options: { admin?: boolean } = {}): string {
  return mintToken({ secret: testEnv.jwtSecret, issuer: testEnv.jwtIssuer, userId, admin: options.admin ?? false });
}
