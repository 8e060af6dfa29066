import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = fileURLToPath(new URL("../../../../infra/kafka/kafka.sh", import.meta.url));

/** The tests' own single broker (kafka.sh start --test), never pnpm dev's. */
export const TEST_BROKER = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9192").split(",");
export const CLUSTER_BROKERS = ["127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094"];

/**
 * The tests' SASL broker (kafka.sh start --sasl): SCRAM on its plaintext listener, SCRAM or PLAIN on its TLS listener,
 * which also asks for a client certificate. The user and password are those kafka.sh writes at format time.
 */
export const SASL_BROKER = {
  scram: ["127.0.0.1:9392"],
  tls: ["127.0.0.1:9394"],
  username: "dibs",
  password: "dibs-local-sasl-only",
};

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

/** The folder of the SASL broker's CA (ca.pem) and client certificate (client.pem, client-key.pem). */
export async function saslTlsDir(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [script, "sasl-tls-dir"]);
  return stdout.trim();
}
