import { z } from "zod";

/** The fields anyone re-runs a lottery's draw with (README, "Lottery"; packages/domain/src/lottery.ts). */
export const lotteryFields = {
  seedHash: z.string().describe("SHA-256 of the lottery's secret, in hex, published from its creation"),
  secret: z.string().describe("the secret, revealed at the draw: SHA-256(secret) = seedHash"),
  entrantsHash: z
    .string()
    .nullable()
    .describe('SHA-256 of the entrants\' user ids, distinct, sorted by their UTF-8 bytes, joined by "\\n"; null for a draw made before seeds were derived'),
  seed: z.string().describe('the draw\'s seed: SHA-256(secret ":" entrantsHash), or the secret itself for a draw made before seeds were derived'),
};

export const lotteryBody = z
  .object({
    couponId: z.uuid(),
    seedHash: lotteryFields.seedHash,
    secret: lotteryFields.secret.nullable(),
    entrantsHash: lotteryFields.entrantsHash,
    seed: lotteryFields.seed.nullable(),
    drawnAt: z.iso.datetime().nullable(),
    stock: z.number().int(),
    entrants: z.array(z.string()),
    winners: z.array(z.string()).describe("in draw order; equal to drawWinners(entrants, seed, stock)"),
  })
  .describe(
    "Re-run the draw: check SHA-256(secret) = seedHash and the entrants' hash, then drawWinners(entrants, seed, stock) (packages/domain/src/lottery.ts)",
  );

export const prequeueBody = z
  .object({
    couponId: z.uuid(),
    seedHash: lotteryFields.seedHash,
    opensAt: z.iso.datetime(),
    startsAt: z.iso.datetime(),
    secret: lotteryFields.secret.nullable(),
    entrantsHash: lotteryFields.entrantsHash,
    seed: lotteryFields.seed.nullable(),
    drawnAt: z.iso.datetime().nullable(),
    entrants: z.array(z.string()).describe("the pre-queue's entrants, sorted; empty until the draw"),
    order: z.array(z.string()).describe("the entrants in the drawn order, in which they were issued: drawWinners(entrants, seed, entrants.length)"),
  })
  .describe(
    "Re-run a pre-queue's draw: check SHA-256(secret) = seedHash and the entrants' hash, then drawWinners(entrants, seed, entrants.length) " +
      "gives the order (packages/domain/src/lottery.ts, prequeue.ts)",
  );
