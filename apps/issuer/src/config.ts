import { checkRedis, redisVariables } from "@dibs/gate";
import { checkKafkaSecurity, kafkaSecurityVariables } from "@dibs/kafka";
import { configLoader, INSECURE_DEV_DEFAULTS, passwordOf, refuseShippedSecrets } from "@dibs/runtime";
import { z } from "zod";

/** The variables without their cross-checks, for a part of the issuer (its one-shot setup) that reads only some. */
export const configVariables = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/dibs"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  KAFKA_BROKERS: z
    .string()
    .default("127.0.0.1:9092")
    .transform((s) =>
      s
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  ISSUER_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  ISSUER_GROUP_ID: z.string().min(1).default("coupon-issuer"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** For pnpm dev and the tests only: the repository's own passwords are taken. */
  [INSECURE_DEV_DEFAULTS]: z.stringbool().default(false),
  ...kafkaSecurityVariables,
  ...redisVariables,
});

export const configSchema = configVariables
  .superRefine((c, ctx) =>
    refuseShippedSecrets(
      { DATABASE_URL: passwordOf(c.DATABASE_URL), REDIS_URL: passwordOf(c.REDIS_URL), KAFKA_SASL_PASSWORD: c.KAFKA_SASL_PASSWORD },
      c[INSECURE_DEV_DEFAULTS],
      ctx,
    ),
  )
  .superRefine(checkKafkaSecurity)
  .superRefine(checkRedis);

export type IssuerConfig = z.infer<typeof configSchema>;

export const { load: loadConfig } = configLoader(configSchema);
