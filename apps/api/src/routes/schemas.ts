import { DECISIONS } from "@dibs/domain";
import { z } from "zod";

export const couponIdParams = z.strictObject({ couponId: z.uuid() });

export const decisionCounts = z.object(Object.fromEntries(DECISIONS.map((d) => [d, z.number().int()])) as Record<(typeof DECISIONS)[number], z.ZodNumber>);

export const couponBody = z.object({
  id: z.uuid(),
  name: z.string(),
  mode: z.enum(["FIRST_COME", "LOTTERY"]),
  stock: z.number().int(),
  issued: z.number().int(),
  remaining: z.number().int(),
  perUserLimit: z.number().int(),
  startsAt: z.iso.datetime().nullable(),
  endsAt: z.iso.datetime().nullable(),
  status: z.enum(["UPCOMING", "OPEN", "PAUSED", "SOLD_OUT", "ENDED"]),
  drawnAt: z.iso.datetime().nullable(),
  pauses: z.array(z.object({ pausedAt: z.iso.datetime(), resumedAt: z.iso.datetime().nullable() })),
});
