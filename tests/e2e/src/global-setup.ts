import { execFileSync } from "node:child_process";
import { applyMigrations } from "@dibs/db";
import { Redis } from "ioredis";
import { testEnv } from "./env.ts";

const repoRoot = new URL("../../../", import.meta.url).pathname;

/** Brings up what the tests need: the local broker (idempotent), a migrated test database, a reachable Redis. */
export default async function setup(): Promise<void> {
  execFileSync("bash", [`${repoRoot}infra/kafka/kafka.sh`, "start", "--test"], { stdio: "inherit" });
  await applyMigrations(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${testEnv.redisUrl} is not reachable (${(error as Error).message}): start redis-server or set REDIS_URL`);
  } finally {
    redis.disconnect();
  }
}
