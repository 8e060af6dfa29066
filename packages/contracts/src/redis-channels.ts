import type { DecidedRequest } from "@dibs/domain";

/** The issuer announces every recorded decision here, so any API instance can answer waiting clients at once. */
export const DECISIONS_CHANNEL = "dibs:decided";

export interface DecisionNotice {
  requestId: string;
  decision: DecidedRequest["decision"];
}

export function encodeDecisionNotices(decided: readonly DecidedRequest[]): string {
  return JSON.stringify(decided.map((d) => [d.requestId, d.decision]));
}

export function decodeDecisionNotices(message: string): DecisionNotice[] {
  const pairs = JSON.parse(message) as Array<[string, DecisionNotice["decision"]]>;
  return pairs.map(([requestId, decision]) => ({ requestId, decision }));
}

/**
 * An API instance that changed a coupon announces it here, so every instance drops its cached copy. The message is the
 * coupon's id, as it is.
 */
export const COUPON_CHANGES_CHANNEL = "dibs:coupon-changed";
