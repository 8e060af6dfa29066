import { windowRejection, windowStateAt } from "./coupon.ts";
import { DomainError } from "./errors.ts";
import type { IssueRequest } from "./issue-request.ts";
import type { CouponCatalog, CouponView, IssueRequestPublisher } from "./ports.ts";

export interface AcceptDeps<Trace> {
  catalog: CouponCatalog;
  publisher: IssueRequestPublisher<Trace>;
  /**
   * Called once the coupon's checks passed, before publishing: answers the request to publish, which is an earlier
   * one when this is an idempotent retry of it. Claiming only after the checks means refused requests claim nothing.
   */
  claim?: (request: IssueRequest) => Promise<IssueRequest>;
}

/**
 * The API's half of an issue: refuse at once what can be refused from the coupon's cached data,
 * otherwise hand the request to the durable log. Resolves with the request published, after the log acknowledged it.
 */
export async function acceptIssueRequest<Trace>(request: IssueRequest, trace: Trace, deps: AcceptDeps<Trace>): Promise<IssueRequest> {
  const coupon = await deps.catalog.find(request.couponId);
  if (!coupon) throw new DomainError("COUPON_NOT_FOUND", `Coupon ${request.couponId} does not exist`);
  const refusal = refusalOf(coupon, request.acceptedAt);
  if (refusal) throw new DomainError(refusal.code, refusal.message, refusal.details);
  const accepted = deps.claim ? await deps.claim(request) : request;
  await deps.publisher.publish(accepted, trace);
  return accepted;
}

/** Why the campaign refuses a request: the code and words of the DomainError the API answers with. */
export interface Refusal {
  code: "COUPON_NOT_STARTED" | "COUPON_ENDED" | "COUPON_PAUSED" | "COUPON_SOLD_OUT";
  message: string;
  details?: Record<string, unknown>;
}

const PAUSED: Refusal = { code: "COUPON_PAUSED", message: "The coupon's campaign is paused; try again later" };
const SOLD_OUT: Refusal = { code: "COUPON_SOLD_OUT", message: "The coupon is sold out" };

/** Why a request for the coupon, made at `at`, is refused without asking the issuer; null when it must be asked. */
export function refusalOf(coupon: CouponView, at: Date): Refusal | null {
  const rejection = windowRejection(windowStateAt(coupon, at));
  if (rejection === "COUPON_NOT_STARTED") {
    return { code: rejection, message: "The coupon's campaign has not started yet", details: { startsAt: coupon.startsAt } };
  }
  if (rejection === "COUPON_ENDED") return { code: rejection, message: "The coupon's campaign has ended", details: { endsAt: coupon.endsAt } };
  if (rejection === "COUPON_PAUSED") return PAUSED;
  if (coupon.soldOut) return SOLD_OUT;
  return null;
}
