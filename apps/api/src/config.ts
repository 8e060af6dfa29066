import { z } from "zod";

const brokerList = z
  .string()
  .default("127.0.0.1:9092")
  .transform((s) => s.split(",").map((b) => b.trim()).filter(Boolean));

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
    REQUEST_ID_SECRET: z.string().min(32, "must be at least 32 characters"),
    ISSUER_GROUP_ID: z.string().min(1).default("coupon-issuer"),
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    RATE_LIMIT_PER_USER_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(0),
    // Seals lottery secrets until their draw; creating or drawing a lottery is refused without it.
    LOTTERY_SECRET_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 32 bytes as 64 hex characters (openssl rand -hex 32)").optional(),
  })
  .superRefine((c, ctx) => {
    const keyed = c.JWT_ALGORITHM === "HS256" ? c.JWT_SECRET : c.JWT_PUBLIC_KEY;
    if (!keyed) {
      const variable = c.JWT_ALGORITHM === "HS256" ? "JWT_SECRET" : "JWT_PUBLIC_KEY";
      ctx.addIssue({ code: "custom", path: [variable], message: `is required when JWT_ALGORITHM is ${c.JWT_ALGORITHM}` });
    }
  });

export type ApiConfig = z.infer<typeof configSchema>;

export function parseConfig(env: NodeJS.ProcessEnv): { ok: true; config: ApiConfig } | { ok: false; errors: string[] } {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `Invalid ${i.path.join(".")}: ${i.message}`) };
}

/** Parses the environment once; a bad value exits naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const result = parseConfig(env);
  if (result.ok) return result.config;
  for (const error of result.errors) console.error(error);
  process.exit(1);
}
