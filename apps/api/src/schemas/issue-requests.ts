import { DECISIONS } from "@dibs/domain";
import { z } from "zod";
import type { DecisionView } from "../ports.ts";

export const requestIdParams = z.strictObject({ requestId: z.uuid() });

const idempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export const issueHeaders = z.object({ "idempotency-key": idempotencyKey.optional() });

export const statusHeaders = z.object({ prefer: z.string().max(200).optional() });

/** While a request is PENDING, where it stands in its coupon's line; absent for a lottery, or when the line did not answer. */
const standingFields = {
  position: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "While PENDING, the request's place in the coupon's line: the n-th request for it that Kafka took. Requests are decided " +
        "in about this order (within one publish round trip of the API instances). A retry under its Idempotency-Key keeps " +
        "its place. On a decided pre-queue entry, its place in the drawn order.",
    ),
  ahead: z.number().int().nonnegative().optional().describe("How many requests before this one in the line are still undecided"),
  remaining: z.number().int().nonnegative().nullable().optional().describe("The coupon's stock not issued yet; null before the first decision of the campaign"),
};

const PREQUEUED = "PREQUEUED: an entry of the coupon's pre-queue, decided in the order drawn at the start";

export const acceptedBody = z.object({ requestId: z.uuid(), status: z.enum(["PENDING", "PREQUEUED"]).describe(PREQUEUED), ...standingFields });

export const statusBody = z.object({
  requestId: z.uuid(),
  status: z.enum(["PENDING", "PREQUEUED", ...DECISIONS]).describe(PREQUEUED),
  reason: z
    .string()
    .optional()
    .describe(
      "Why a request was REJECTED or not drawn: COUPON_NOT_STARTED, COUPON_ENDED or COUPON_PAUSED (when it was accepted), " +
        "UNPROCESSABLE (the request itself made deciding fail, and was set aside so that the others could be decided), " +
        "NOT_DRAWN (a lottery entry that did not win)",
    ),
  couponId: z.uuid().optional(),
  acceptedAt: z.iso.datetime().optional(),
  decidedAt: z.iso.datetime().optional(),
  ...standingFields,
});

export function toStatusBody(d: DecisionView) {
  return {
    requestId: d.requestId,
    status: d.decision,
    ...(d.reason ? { reason: d.reason } : {}),
    couponId: d.couponId,
    acceptedAt: d.acceptedAt.toISOString(),
    decidedAt: d.decidedAt.toISOString(),
    ...(d.position ? { position: d.position } : {}),
  };
}

export const heldCouponsBody = z.object({
  coupons: z.array(z.object({ couponId: z.uuid(), name: z.string(), requestId: z.uuid(), issuedAt: z.iso.datetime() })),
});
