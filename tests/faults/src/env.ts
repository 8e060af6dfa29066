import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const list = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Where the scenarios find the real services; each can be overridden from the environment. */
export const faultEnv = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1",
  singleBroker: list(process.env.KAFKA_BROKERS ?? "127.0.0.1:9192"),
  cluster: list(process.env.KAFKA_CLUSTER_BROKERS ?? "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"),
  jwtSecret: "faults-secret-faults-secret-faults-0123456789",
  jwtIssuer: "dibs",
  requestIdSecret: "faults-request-ids-faults-request-ids-0123456",
  /** Git-ignored: each run's process logs and report rows. */
  artifacts: `${repoRoot}artifacts/faults`,
};
