import { z } from "zod";
import { FAULT_POINTS } from "./fault-points.ts";

export const configSchema = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/dibs"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  KAFKA_BROKERS: z
    .string()
    .default("127.0.0.1:9092")
    .transform((s) => s.split(",").map((b) => b.trim()).filter(Boolean)),
  ISSUER_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  ISSUER_GROUP_ID: z.string().min(1).default("coupon-issuer"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Test-only (tests/faults): see fault-points.ts. */
  DIBS_FAULT_POINT: z.enum(FAULT_POINTS).optional(),
  DIBS_FAULT_AFTER_BATCHES: z.coerce.number().int().min(1).optional(),
});

export type IssuerConfig = z.infer<typeof configSchema>;

/** Parses the environment once; a bad value exits naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IssuerConfig {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) console.error(`Invalid ${issue.path.join(".")}: ${issue.message}`);
  process.exit(1);
}
