// One-shot setup before the apps start: applies the database migrations and creates the Kafka topics, then exits.
// The migrate Job (Kubernetes) and the setup service (compose) run it from the issuer image.
import { applyMigrations } from "@dibs/db";
import { checkKafkaSecurity, createKafka, ensureTopics, kafkaSecurityFrom, kafkaSecurityVariables } from "@dibs/kafka";
import { configLoader, createLogger, INSECURE_DEV_DEFAULTS, passwordOf, refuseShippedSecrets } from "@dibs/runtime";
import { z } from "zod";
import { configVariables } from "./config.ts";

const setupSchema = configVariables
  .pick({ DATABASE_URL: true, KAFKA_BROKERS: true, LOG_LEVEL: true, [INSECURE_DEV_DEFAULTS]: true })
  .extend({
    ...kafkaSecurityVariables,
    /** Where the image keeps prisma/migrations; in the repository @dibs/db knows. */
    MIGRATIONS_DIR: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) =>
    refuseShippedSecrets({ DATABASE_URL: passwordOf(c.DATABASE_URL), KAFKA_SASL_PASSWORD: c.KAFKA_SASL_PASSWORD }, c[INSECURE_DEV_DEFAULTS], ctx),
  )
  .superRefine(checkKafkaSecurity);

const config = configLoader(setupSchema).load();
const log = createLogger(config.LOG_LEVEL, "setup");

try {
  const applied = await applyMigrations(config.DATABASE_URL, (message) => log.info(message), config.MIGRATIONS_DIR);
  log.info({ applied }, applied.length === 0 ? "database is up to date" : `applied ${applied.length} migration(s)`);
  const admin = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-setup", logger: log, security: kafkaSecurityFrom(config) }).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, log);
  } finally {
    await admin.disconnect();
  }
  log.info("setup done");
} catch (error) {
  log.fatal({ err: error }, "setup failed");
  process.exitCode = 1;
}
