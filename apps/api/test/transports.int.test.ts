import { randomUUID } from "node:crypto";
import { applyMigrations } from "@dibs/db";
import { throwawayDatabase } from "@dibs/db/testing";
import { throwawayRedisUser } from "@dibs/gate/testing";
import { kafkaSh, SASL_BROKER } from "@dibs/kafka/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { connectAdapters } from "../src/wiring.ts";

const redisUser = throwawayRedisUser(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");
const log = pino({ level: "silent" });
// A database of its own: the suites' shared one may not exist yet when this file runs first on a fresh machine.
const db = throwawayDatabase("api_transports");

/** The API's configuration for the tests' SASL broker and a Redis ACL user, as the environment would give it. */
function config(kafkaPassword = SASL_BROKER.password) {
  return {
    DATABASE_URL: db.url,
    REDIS_URL: redisUser.url(),
    KAFKA_BROKERS: SASL_BROKER.scram,
    KAFKA_SASL_MECHANISM: "scram-sha-512" as const,
    KAFKA_SASL_USERNAME: SASL_BROKER.username,
    KAFKA_SASL_PASSWORD: kafkaPassword,
    PUBLISH_TIMEOUT_MS: 5_000,
    ISSUER_GROUP_ID: `api-transports-${randomUUID()}`,
  };
}

describe("the API's adapters on Kafka with SASL/SCRAM and Redis as an ACL user", () => {
  beforeAll(async () => {
    await kafkaSh("start", "--sasl");
    await redisUser.create();
    await applyMigrations(db.url);
  }, 180_000);
  afterAll(async () => {
    await redisUser.remove();
    await db.drop();
  });

  it("connect, publish an issue request, and read the issuers' lag through the operations adapter", { timeout: 60_000 }, async () => {
    const adapters = await connectAdapters(config(), log);
    try {
      for (const probe of Object.values(adapters.deps.readiness)) await probe();
      const couponId = randomUUID();
      await adapters.deps.publisher.publish({ requestId: randomUUID(), couponId, userId: "transports", acceptedAt: new Date() }, {});
      expect((await adapters.deps.operations.entryProgress(couponId)).target).toBeGreaterThanOrEqual(1);
    } finally {
      await adapters.close();
    }
  });

  it("do not start with a wrong Kafka password", { timeout: 60_000 }, async () => {
    await expect(connectAdapters(config("not-the-password"), log)).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });
});

describe("the API's configuration of its transports", () => {
  const required = { JWT_SECRET: "s".repeat(32), REQUEST_ID_SECRET: "r".repeat(32), INSECURE_DEV_DEFAULTS: "true" };

  it("stops on a combination it cannot mean, naming the variable", () => {
    expect(parseConfig({ ...required, KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "dibs", KAFKA_SASL_PASSWORD: "secret" })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^Invalid KAFKA_SASL_MECHANISM: plain is refused: SASL PLAIN sends the password as it is/)],
    });
    expect(parseConfig({ ...required, REDIS_TLS_CA_FILE: "/nowhere/ca.pem" })).toEqual({
      ok: false,
      errors: ["Invalid REDIS_TLS_CA_FILE: cannot read /nowhere/ca.pem (ENOENT): mount the file at that path or correct it"],
    });
  });
});
