import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../../infra/kafka/kafka.sh", import.meta.url));

export const SINGLE_BROKER = ["127.0.0.1:9092"];
export const CLUSTER_BROKERS = ["127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094"];

/** Runs infra/kafka/kafka.sh; its output goes to the test's stdout so a failed start shows the broker log. */
export function kafkaSh(...args: string[]): void {
  execFileSync("bash", [script, ...args], { stdio: ["ignore", "inherit", "inherit"], timeout: 170_000 });
}
