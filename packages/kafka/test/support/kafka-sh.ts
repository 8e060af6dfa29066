import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../../infra/kafka/kafka.sh", import.meta.url));

/** The tests' own single broker (kafka.sh start --test), never pnpm dev's. */
export const TEST_BROKER = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9192").split(",");
export const CLUSTER_BROKERS = ["127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094"];

/**
 * Runs infra/kafka/kafka.sh without blocking the event loop (kafkajs keeps working meanwhile);
 * its output goes to the test's output so a failed start shows the broker log.
 */
export function kafkaSh(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${args.join(" ")} exited with ${code}`))));
  });
}
