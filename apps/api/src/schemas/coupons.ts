import { COUPON_STATUSES, type Coupon, type CouponStatus, couponStatusAt, DECISIONS, remainingStock } from "@dibs/domain";
import { z } from "zod";
import type { CatalogCoupon } from "../ports.ts";
import { lotteryFields } from "./lotteries.ts";

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
  status: z.enum(["UPCOMING", "PREQUEUE", "OPEN", "PAUSED", "SOLD_OUT", "ENDED"]),
  drawnAt: z.iso.datetime().nullable(),
  prequeueSeconds: z.number().int().nullable().describe("The pre-queue's length before startsAt; null for none"),
  prequeueDrawnAt: z.iso.datetime().nullable().describe("When the pre-queue's order was drawn and its entries decided"),
  pauses: z.array(z.object({ pausedAt: z.iso.datetime(), resumedAt: z.iso.datetime().nullable() })),
});

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
  prequeue: z
    .object({
      opensAt: z.iso.datetime().describe("Requests from here until startsAt enter the pre-queue (answered PREQUEUED)"),
      seedHash: lotteryFields.seedHash,
      draw: z
        .object({
          drawnAt: z.iso.datetime(),
          secret: lotteryFields.secret,
          entrantsHash: lotteryFields.entrantsHash,
          seed: lotteryFields.seed,
          entrants: z.number().int().describe("drawWinners(entrants, seed, entrants) gives the whole order"),
        })
        .nullable()
        .describe("null until the draw, a moment after the start"),
    })
    .nullable()
    .describe(
      "A first-come campaign's pre-queue: requests before the start are put in a random order drawn at the start from the " +
        "secret committed to by seedHash, and issued first in it; null for none",
    ),
});

const MAX_STOCK = 10_000_000;
const MAX_PER_USER_LIMIT = 1_000;
const MAX_PREQUEUE_SECONDS = 24 * 60 * 60;

export const newCouponBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    mode: z.enum(["FIRST_COME", "LOTTERY"]).default("FIRST_COME"),
    stock: z.number().int().min(1).max(MAX_STOCK),
    perUserLimit: z.number().int().min(1).max(MAX_PER_USER_LIMIT).default(1),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    prequeueSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_PREQUEUE_SECONDS)
      .optional()
      .describe("Opens a pre-queue this many seconds before startsAt (a first-come campaign with a start only)"),
  })
  .refine((c) => !c.startsAt || !c.endsAt || new Date(c.endsAt) > new Date(c.startsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  })
  .refine((c) => c.prequeueSeconds === undefined || (c.mode === "FIRST_COME" && c.startsAt !== undefined), {
    message: "a pre-queue needs a first-come campaign with a startsAt",
    path: ["prequeueSeconds"],
  });

export const addStockBody = z.strictObject({
  add: z.number().int().min(1).max(MAX_STOCK),
  operationId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
});

const fairnessBody = z
  .object({ soldOut: z.number(), overtaken: z.number(), overtakenShare: z.number(), largestGapMs: z.number() })
  .describe("SOLD_OUT requests accepted before the last ISSUED one, and the largest such gap");

export const summaryBody = couponBody.extend({ decisions: decisionCounts, decisionsPerSecond: z.number(), fairness: fairnessBody });

/** The admin routes' words for a status, older than the users' view. */
const ADMIN_STATUS = {
  NOT_STARTED: "UPCOMING",
  PREQUEUE: "PREQUEUE",
  OPEN: "OPEN",
  PAUSED: "PAUSED",
  ENDED: "ENDED",
  SOLD_OUT: "SOLD_OUT",
  DRAWN: "ENDED",
} as const satisfies Record<CouponStatus, string>;

/** How an admin sees a coupon. */
export function toCouponBody(coupon: Coupon, now = new Date()) {
  const remaining = remainingStock(coupon);
  const status = ADMIN_STATUS[couponStatusAt(coupon, remaining === 0, now)];
  return {
    id: coupon.id,
    name: coupon.name,
    mode: coupon.mode,
    stock: coupon.stock,
    issued: coupon.issuedCount,
    remaining,
    perUserLimit: coupon.perUserLimit,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    status,
    drawnAt: coupon.drawnAt?.toISOString() ?? null,
    prequeueSeconds: coupon.prequeueSeconds,
    prequeueDrawnAt: coupon.prequeueDrawnAt?.toISOString() ?? null,
    pauses: coupon.pauses.map((p) => ({ pausedAt: p.pausedAt.toISOString(), resumedAt: p.resumedAt?.toISOString() ?? null })),
  } as const;
}

/** How its users see a coupon, from the API's cached catalog; `issued` as the gate counted it. */
export function toPublicCouponBody(coupon: CatalogCoupon, issued: number, now = new Date()) {
  const draw = coupon.lottery?.draw;
  return {
    id: coupon.id,
    name: coupon.name,
    mode: coupon.mode,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    status: couponStatusAt(coupon, coupon.soldOut, now),
    stock: coupon.stock,
    remaining: remainingStock({ stock: coupon.stock, issuedCount: issued }),
    lottery: coupon.lottery && { seedHash: coupon.lottery.seedHash, draw: draw ? { ...draw, drawnAt: draw.drawnAt.toISOString() } : null },
    prequeue: prequeueOf(coupon),
  };
}

function prequeueOf(coupon: CatalogCoupon) {
  if (!coupon.prequeue || !coupon.startsAt || coupon.prequeueSeconds === null) return null;
  const draw = coupon.prequeue.draw;
  return {
    opensAt: new Date(coupon.startsAt.getTime() - coupon.prequeueSeconds * 1_000).toISOString(),
    seedHash: coupon.prequeue.seedHash,
    draw: draw && {
      drawnAt: draw.drawnAt.toISOString(),
      secret: draw.secret,
      entrantsHash: draw.entrantsHash,
      seed: draw.seed,
      entrants: draw.entrants,
    },
  };
}

export const couponPageQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.uuid().optional() });

export const couponPageBody = z.object({ items: z.array(couponBody), nextCursor: z.uuid().nullable() });

/** Routes that take no input but an optional empty JSON body. */
export const emptyBody = z.strictObject({}).nullish();
