import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

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
