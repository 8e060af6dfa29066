import { windowRejection, windowStateAt } from "./coupon.ts";
import { DomainError } from "./errors.ts";
import type { IssueRequest } from "./issue-request.ts";
import type { CouponCatalog, IssueRequestPublisher } from "./ports.ts";

export interface AcceptDeps {
  catalog: CouponCatalog;
  publisher: IssueRequestPublisher;
}

/**
 * The API's half of an issue: refuse at once what can be refused from the coupon's cached data,
 * otherwise hand the request to the durable log. Resolves only after the log acknowledged it.
 */
export async function acceptIssueRequest(request: IssueRequest, deps: AcceptDeps): Promise<IssueRequest> {
  const coupon = await deps.catalog.find(request.couponId);
  if (!coupon) throw new DomainError("COUPON_NOT_FOUND", `Coupon ${request.couponId} does not exist`);
  const rejection = windowRejection(windowStateAt(coupon, request.acceptedAt));
  if (rejection === "COUPON_NOT_STARTED") {
    throw new DomainError(rejection, "The coupon's campaign has not started yet", { startsAt: coupon.startsAt });
  }
  if (rejection === "COUPON_ENDED") {
    throw new DomainError(rejection, "The coupon's campaign has ended", { endsAt: coupon.endsAt });
  }
  if (rejection === "COUPON_PAUSED") throw new DomainError(rejection, "The coupon's campaign is paused; try again later");
  if (coupon.soldOut) throw new DomainError("COUPON_SOLD_OUT", "The coupon is sold out");
  await deps.publisher.publish(request);
  return request;
}
