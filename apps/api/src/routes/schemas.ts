import { COUPON_STATUSES, DECISIONS } from "@dibs/domain";
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

/** The fields anyone re-runs a lottery's draw with (README, "Lottery"; packages/domain/src/lottery.ts). */
export const lotteryFields = {
  seedHash: z.string().describe("SHA-256 of the lottery's secret, in hex, published from its creation"),
  secret: z.string().describe("the secret, revealed at the draw: SHA-256(secret) = seedHash"),
  entrantsHash: z
    .string()
    .nullable()
    .describe("SHA-256 of the entrants' user ids, distinct, sorted by their UTF-8 bytes, joined by \"\\n\"; null for a draw made before seeds were derived"),
  seed: z.string().describe("the draw's seed: SHA-256(secret \":\" entrantsHash), or the secret itself for a draw made before seeds were derived"),
};

export const publicCouponBody = z.object({
  id: z.uuid(),
  name: z.string(),
  mode: z.enum(["FIRST_COME", "LOTTERY"]),
  startsAt: z.iso.datetime().nullable(),
  endsAt: z.iso.datetime().nullable(),
  status: z.enum(COUPON_STATUSES).describe("the campaign's state now"),
  stock: z.number().int(),
  remaining: z.number().int().describe("the stock less what is issued, as the gate counted it at most a moment ago; for a lottery, the stock until the draw"),
  lottery: z
    .object({
      seedHash: lotteryFields.seedHash,
      draw: z
        .object({
          drawnAt: z.iso.datetime(),
          secret: lotteryFields.secret,
          entrantsHash: lotteryFields.entrantsHash,
          seed: lotteryFields.seed,
          entrants: z.number().int(),
          winners: z.number().int().describe("drawWinners(entrants, seed, winners) gives the winners in draw order"),
        })
        .nullable()
        .describe("null until the draw"),
    })
    .nullable()
    .describe("null for a first-come coupon"),
});
