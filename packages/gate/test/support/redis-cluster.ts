import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../../src/redis-connection.ts";

const script = fileURLToPath(new URL("../../../../infra/redis/redis-cluster.sh", import.meta.url));

/** The seed nodes of the tests' Redis Cluster (infra/redis/redis-cluster.sh): 3 masters and their replicas. */
export const CLUSTER_NODES = [17001, 17002, 17003, 17004, 17005, 17006].map((port) => `127.0.0.1:${port}`);

/** Runs infra/redis/redis-cluster.sh without blocking the event loop; its output goes to the test's. */
export function redisClusterSh(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`redis-cluster.sh ${args.join(" ")} exited with ${code}`))));
  });
}

/**
 * The Redis every gate test runs on twice: one Redis, and the tests' Redis Cluster, where a coupon's keys live on the
 * master that serves their hash tag's slot, and every script and MULTI must stay within it.
 */
export const REDIS_TARGETS = [
  { name: "one Redis", connect: async (): Promise<RedisClient> => new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1") },
  {
    name: "a Redis Cluster of 3 masters",
    connect: async (): Promise<RedisClient> => {
      await redisClusterSh("start");
      return new Cluster(CLUSTER_NODES.map((node) => ({ host: node.split(":")[0], port: Number(node.split(":")[1]) })));
    },
  },
];
