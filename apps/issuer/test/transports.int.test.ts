import { applyMigrations } from "@dibs/db";
import { throwawayDatabase } from "@dibs/db/testing";
import { throwawayRedisUser } from "@dibs/gate/testing";
import { kafkaSh, SASL_BROKER } from "@dibs/kafka/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../src/config.ts";
import { createIssuer } from "../src/wiring.ts";

const redisUser = throwawayRedisUser(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");
// A database of its own: the suites' shared one may not exist yet when this file runs first on a fresh machine.
const db = throwawayDatabase("issuer_transports");

describe("the issuer on Kafka with SASL/SCRAM and Redis as an ACL user", () => {
  beforeAll(async () => {
    await kafkaSh("start", "--sasl");
    await redisUser.create();
    await applyMigrations(db.url);
  }, 180_000);
  afterAll(async () => {
    await redisUser.remove();
    await db.drop();
  });

  it("joins its consumer group and reports every dependency ready, configured from the environment", { timeout: 60_000 }, async () => {
    const config = configSchema.parse({
      DATABASE_URL: db.url,
      REDIS_URL: redisUser.url(),
      KAFKA_BROKERS: SASL_BROKER.scram.join(","),
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: SASL_BROKER.username,
      KAFKA_SASL_PASSWORD: SASL_BROKER.password,
      // One group for every run: it goes on from where the last run left, not through the SASL broker's whole history.
      ISSUER_GROUP_ID: "dibs-transports-test",
      // The SASL broker's own password is in the repository.
      INSECURE_DEV_DEFAULTS: "true",
    });
    const issuer = createIssuer(config, pino({ level: "silent" }));
    try {
      await issuer.start();
      expect(await readyWithin(issuer.readiness, 30_000)).toEqual([]);
    } finally {
      await issuer.stop();
    }
  });
});

/** The names of the probes still failing when the time is up; none once all pass. */
async function readyWithin(probes: Record<string, () => Promise<void>>, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const failing: string[] = [];
    for (const [name, probe] of Object.entries(probes)) await probe().catch(() => failing.push(name));
    if (failing.length === 0 || Date.now() > deadline) return failing;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the issuer's configuration of its transports", () => {
  it("stops on a combination it cannot mean, naming the variable", () => {
    const issues = (env: Record<string, string>) =>
      configSchema.safeParse({ INSECURE_DEV_DEFAULTS: "true", ...env }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ KAFKA_SASL_USERNAME: "dibs", KAFKA_SASL_PASSWORD: "secret" })).toEqual([
      "KAFKA_SASL_MECHANISM: is required with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: one of scram-sha-512, scram-sha-256, plain",
    ]);
    expect(issues({ REDIS_TLS_KEY_FILE: "/nowhere/key.pem" })).toEqual([
      "REDIS_TLS_KEY_FILE: cannot read /nowhere/key.pem (ENOENT): mount the file at that path or correct it",
    ]);
  });
});
