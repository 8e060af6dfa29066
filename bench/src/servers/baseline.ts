// One baseline process: `baseline.ts <strategy> api` serves the routes, `baseline.ts <strategy> worker` runs what
// the strategy does behind them. Prints `ready <port>` once it serves (api) or consumes (worker).
import type { AddressInfo } from "node:net";
import { benchEnv } from "../settings.ts";
import { buildBaselineApp, type IssueStrategy } from "./baseline-app.ts";
import { buildCeilingApp } from "./ceiling.ts";
import { dbLock } from "./db-lock.ts";
import { redisLock } from "./redis-lock.ts";
import { redisZsetBatch, startZsetBatchJob } from "./redis-zset-batch.ts";
import { seedKafkaApi, startSeedKafkaConsumer } from "./seed-kafka.ts";

const [strategy, role] = process.argv.slice(2);
const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
const say = (message: string) => process.stderr.write(`${message}\n`);

async function api(): Promise<void> {
  const app = strategy === "ceiling" ? await buildCeilingApp() : await buildBaselineApp(await strategyNamed(strategy!), benchEnv);
  await app.listen({ port: 0, host: "127.0.0.1" });
  process.stdout.write(`ready ${(app.server.address() as AddressInfo).port}\n`);
  process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

async function strategyNamed(name: string): Promise<IssueStrategy> {
  switch (name) {
    case "db-lock":
      return dbLock(benchEnv.databaseUrl);
    case "redis-lock":
      return redisLock(benchEnv.databaseUrl, benchEnv.redisUrl);
    case "redis-zset-batch":
      return redisZsetBatch(benchEnv.databaseUrl, benchEnv.redisUrl);
    case "seed-kafka":
      return seedKafkaApi(brokers, say);
    default:
      throw new Error(`no baseline strategy ${name}`);
  }
}

async function worker(): Promise<void> {
  const job =
    strategy === "redis-zset-batch"
      ? startZsetBatchJob(benchEnv.databaseUrl, benchEnv.redisUrl, say)
      : await startSeedKafkaConsumer(brokers, process.env.GROUP_ID ?? "bench-seed", benchEnv.databaseUrl, benchEnv.redisUrl, say);
  process.stdout.write("ready 0\n");
  process.once("SIGTERM", () => void job.stop().then(() => process.exit(0)));
}

await (role === "worker" ? worker() : api());
