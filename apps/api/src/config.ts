import { checkRedis, redisVariables } from "@dibs/gate";
import { checkKafkaSecurity, kafkaSecurityVariables } from "@dibs/kafka";
import { configLoader, INSECURE_DEV_DEFAULTS, passwordOf, refuseShippedSecrets } from "@dibs/runtime";
import { z } from "zod";

const brokerList = z
  .string()
  .default("127.0.0.1:9092")
  .transform((s) =>
    s
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
  );

export const configSchema = z
  .object({
    DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/dibs"),
    REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
    KAFKA_BROKERS: brokerList,
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters (HS256)").optional(),
    JWT_PUBLIC_KEY: z.string().includes("BEGIN PUBLIC KEY", { message: "must be a PEM public key" }).optional(),
    JWT_ALGORITHM: z.enum(["HS256", "RS256", "ES256"]).default("HS256"),
    JWT_ISSUER: z.string().min(1).default("dibs"),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /** The claim that makes a token an admin's, and its value (or one of its values, when the claim is a list). */
    JWT_ADMIN_CLAIM: z.string().min(1).default("role"),
    JWT_ADMIN_VALUE: z.string().min(1).default("admin"),
    /** For pnpm dev and the tests only: the repository's own secrets are taken, and no audience is required. */
    [INSECURE_DEV_DEFAULTS]: z.stringbool().default(false),
    REQUEST_ID_SECRET: z.string().min(32, "must be at least 32 characters"),
    ISSUER_GROUP_ID: z.string().min(1).default("coupon-issuer"),
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    RATE_LIMIT_PER_USER_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(0),
    /** Status streams and Prefer: wait long-polls open at once, per user and per instance; past them 429. */
    WAITS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(5),
    WAITS_PER_INSTANCE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    ...kafkaSecurityVariables,
    ...redisVariables,
    // Seals lottery secrets until their draw; creating or drawing a lottery is refused without it.
    LOTTERY_SECRET_KEY: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be 32 bytes as 64 hex characters (openssl rand -hex 32)")
      .optional(),
  })
  .superRefine((c, ctx) => {
    const keyed = c.JWT_ALGORITHM === "HS256" ? c.JWT_SECRET : c.JWT_PUBLIC_KEY;
    if (!keyed) {
      const variable = c.JWT_ALGORITHM === "HS256" ? "JWT_SECRET" : "JWT_PUBLIC_KEY";
      ctx.addIssue({ code: "custom", path: [variable], message: `is required when JWT_ALGORITHM is ${c.JWT_ALGORITHM}` });
    }
    if (c.JWT_ALGORITHM === "HS256" && c.JWT_SECRET?.includes("-----BEGIN")) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message: "is a PEM key: for a key pair set JWT_ALGORITHM to RS256 or ES256 and the public key in JWT_PUBLIC_KEY",
      });
    }
    if (!c.JWT_AUDIENCE && !c[INSECURE_DEV_DEFAULTS]) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_AUDIENCE"],
        message: "is required: a token for another service of the same identity provider must not be taken here",
      });
    }
    refuseShippedSecrets(
      {
        JWT_SECRET: c.JWT_SECRET,
        REQUEST_ID_SECRET: c.REQUEST_ID_SECRET,
        DATABASE_URL: passwordOf(c.DATABASE_URL),
        REDIS_URL: passwordOf(c.REDIS_URL),
        KAFKA_SASL_PASSWORD: c.KAFKA_SASL_PASSWORD,
        LOTTERY_SECRET_KEY: c.LOTTERY_SECRET_KEY,
      },
      c[INSECURE_DEV_DEFAULTS],
      ctx,
    );
  })
  .superRefine(checkKafkaSecurity)
  .superRefine(checkRedis);

export type ApiConfig = z.infer<typeof configSchema>;

export const { parse: parseConfig, load: loadConfig } = configLoader(configSchema);
