import type { Verdict } from "./decision.ts";

/** What the gate knows about one coupon. The Redis Lua gate implements exactly these rules. */
export interface GateState {
  stock: number;
  perUserLimit: number;
  issued: number;
  /** How many of the coupon each user holds. */
  holdings: Map<string, number>;
  decisions: Map<string, Verdict>;
}

/** Decide one request and apply it to the state. Replays of a decided request get the same verdict. */
export function decideAgainst(state: GateState, requestId: string, userId: string): Verdict {
  const earlier = state.decisions.get(requestId);
  if (earlier) return earlier;
  const held = state.holdings.get(userId) ?? 0;
  let verdict: Verdict;
  if (held >= state.perUserLimit) verdict = { decision: "DUPLICATE", holding: held };
  else if (state.issued >= state.stock) verdict = { decision: "SOLD_OUT" };
  else {
    state.holdings.set(userId, held + 1);
    state.issued += 1;
    verdict = { decision: "ISSUED", holding: held + 1 };
  }
  state.decisions.set(requestId, verdict);
  return verdict;
}
