import { type Coupon, windowStateAt } from "./coupon.ts";
import { DomainError } from "./errors.ts";
import { drawFromSecret } from "./lottery.ts";
import { DRAW_SLACK_MS } from "./lottery-draw-rules.ts";

/**
 * A first-come campaign's pre-queue: requests accepted in the `prequeueSeconds` before `startsAt` are entries, one per
 * user. At the start their order is drawn as a lottery's is (a secret committed at creation, its hash published, the
 * seed derived from the secret and the entrants, all revealed with the order), and they are issued first, in that
 * order. Arriving early buys a place in the draw, not a better one: the order depends on the seed and the user ids only.
 * Requests after the start queue behind them first-come, as in any sale.
 */

/** Whether a request accepted at `at` enters the coupon's pre-queue. */
export function entersPrequeue(coupon: Pick<Coupon, "startsAt" | "endsAt" | "pauses" | "prequeueSeconds">, at: Date): boolean {
  return windowStateAt(coupon, at) === "PREQUEUE";
}

/** Whether the coupon has a pre-queue whose order is still to be drawn. */
export function prequeueUndrawn(coupon: Pick<Coupon, "prequeueSeconds" | "prequeueDrawnAt">): boolean {
  return coupon.prequeueSeconds !== null && coupon.prequeueDrawnAt === null;
}

/**
 * Whether the pre-queue may be drawn at `at`: once every entry accepted before the start has had its answer (Kafka
 * took it or the API answered 503), as for a lottery's end. The issuers must also have recorded them (partitionRefusal).
 */
export function prequeueDrawRefusal(
  coupon: Pick<Coupon, "startsAt" | "prequeueSeconds" | "prequeueDrawnAt">,
  answerDeadlineMs: number,
  at: Date,
): DomainError | null {
  if (coupon.prequeueSeconds === null || !coupon.startsAt) return new DomainError("INVALID_COUPON", "The coupon has no pre-queue");
  const settledAt = coupon.startsAt.getTime() + answerDeadlineMs + DRAW_SLACK_MS;
  if (at.getTime() >= settledAt) return null;
  return new DomainError("ENTRIES_IN_FLIGHT", `Pre-queue entries may still be waiting for Kafka until ${new Date(settledAt).toISOString()}`, {
    retryAfterSeconds: Math.max(1, Math.ceil((settledAt - at.getTime()) / 1_000)),
  });
}

export interface PrequeueEntry {
  requestId: string;
  userId: string;
  acceptedAt: Date;
}

export interface PrequeueDecision extends PrequeueEntry {
  decision: "ISSUED" | "DUPLICATE" | "SOLD_OUT";
  /** How many the user holds after it (ISSUED and DUPLICATE). */
  holding: number | null;
  /** The entry's place in the drawn order, from 1. */
  position: number;
}

export interface PrequeueDraw {
  entrantsHash: string;
  seed: string;
  /** The entrants' user ids in the drawn order. */
  order: string[];
  decisions: PrequeueDecision[];
  /** How many of the coupon are issued after the draw. */
  issued: number;
}

/**
 * Draws the order of the entries (one per user) and decides them in it against what is left: `issued` so far (requests
 * after the start decided meanwhile, within the stock the pre-queue did not hold) and what each user `holds`.
 */
export function drawPrequeue(
  secret: string,
  entries: readonly PrequeueEntry[],
  coupon: Pick<Coupon, "stock" | "perUserLimit">,
  issuedBefore: number,
  holds: ReadonlyMap<string, number>,
): PrequeueDraw {
  const byUser = new Map(entries.map((e) => [e.userId, e]));
  const { entrantsHash, seed, winners: order } = drawFromSecret(secret, [...byUser.keys()], byUser.size);
  let issued = issuedBefore;
  const decisions = order.map((userId, i): PrequeueDecision => {
    const entry = byUser.get(userId)!;
    const held = holds.get(userId) ?? 0;
    const position = i + 1;
    if (held >= coupon.perUserLimit) return { ...entry, decision: "DUPLICATE", holding: held, position };
    if (issued >= coupon.stock) return { ...entry, decision: "SOLD_OUT", holding: null, position };
    issued += 1;
    return { ...entry, decision: "ISSUED", holding: held + 1, position };
  });
  return { entrantsHash, seed, order, decisions, issued };
}

/**
 * The stock requests after the start may take while the pre-queue is not drawn yet: what its entrants would take first.
 * `entrants` counts the distinct users who entered so far.
 */
export function stockBesidePrequeue(coupon: Pick<Coupon, "stock">, entrants: number): number {
  return Math.max(0, coupon.stock - entrants);
}
