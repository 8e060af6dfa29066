import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { formatTable, type ScenarioRow } from "@dibs/checker";
import { applyMigrations } from "@dibs/db";
import { Redis } from "ioredis";
import type { TestProject } from "vitest/node";
import { faultEnv, repoRoot } from "./env.ts";
import { lockMachine } from "./machine-lock.ts";

declare module "vitest" {
  export interface ProvidedContext {
    runDir: string;
  }
}

/** Brings up both Kafka deployments and a migrated test database; at the end, prints the scenario table. */
export default async function setup(project: TestProject): Promise<() => void> {
  const unlock = await lockMachine();
  const kafkaSh = `${repoRoot}infra/kafka/kafka.sh`;
  execFileSync("bash", [kafkaSh, "start", "--test"], { stdio: "inherit" });
  execFileSync("bash", [kafkaSh, "start", "--nodes", "3"], { stdio: "inherit" });
  await applyMigrations(faultEnv.databaseUrl);
  const redis = new Redis(faultEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${faultEnv.redisUrl} is not reachable (${(error as Error).message}): start redis-server or set REDIS_URL`);
  } finally {
    redis.disconnect();
  }

  const runDir = `${faultEnv.artifacts}/${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}`;
  mkdirSync(runDir, { recursive: true });
  project.provide("runDir", runDir);

  return () => {
    unlock();
    const file = `${runDir}/rows.jsonl`;
    if (!existsSync(file)) return;
    const rows = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ScenarioRow);
    rows.sort((a, b) => a.scenario.localeCompare(b.scenario, "en", { numeric: true }));
    const table = formatTable(rows);
    writeFileSync(`${runDir}/table.md`, `${table}\n`);
    console.log(`\nfault scenarios (logs and table in ${runDir.replace(repoRoot, "")}):\n${table}\n`);
  };
}
