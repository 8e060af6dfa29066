import { z } from "zod";

export const reconciliationBody = z.object({
  couponId: z.uuid(),
  postgres: z.object({ stock: z.number(), issued: z.number(), holders: z.number() }),
  redis: z.object({
    present: z.boolean(),
    issued: z.number().nullable(),
    holders: z.number(),
    inFlight: z.number().describe("Verdicts the gate holds for requests Postgres has not recorded yet: a batch being recorded"),
  }),
  differences: z.array(z.string()),
  consumerLag: z.array(z.object({ partition: z.number(), committed: z.number(), end: z.number(), lag: z.number() })),
});

const deadLetterBody = z.object({
  id: z.string(),
  reason: z.string(),
  originalPartition: z.number().nullable(),
  originalOffset: z.string().nullable(),
  deadLetteredAt: z.string().nullable(),
  requestId: z.string().nullable(),
  couponId: z.string().nullable(),
  value: z.string(),
});

const letterId = z.string().regex(/^\d+:\d+$/, "partition:offset");

export const repairBody = z.object({ repaired: z.array(z.string()), remaining: z.array(z.string()) });

export const deadLetterPageBody = z.object({ items: z.array(deadLetterBody), total: z.number().int().describe("Letters in the topic, listed or not") });

export const replaySelection = z.union([z.strictObject({ ids: z.array(letterId).min(1).max(10_000) }), z.strictObject({ all: z.literal(true) })]);

export const replayBody = z.object({
  replayed: z.array(z.object({ id: z.string(), requestId: z.string() })),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
  missing: z.array(z.string()),
});
