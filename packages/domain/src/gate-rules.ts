import type { Decision } from "./decision.ts";

/** What the gate knows about one coupon. The Redis Lua gate implements exactly these rules. */
export interface GateState {
  stock: number;
  issued: number;
  holders: Set<string>;
  decisions: Map<string, Decision>;
}

/** Decide one request and apply it to the state. Replays of a decided request get the same decision. */
export function decideAgainst(state: GateState, requestId: string, userId: string): Decision {
  const earlier = state.decisions.get(requestId);
  if (earlier) return earlier;
  let decision: Decision;
  if (state.holders.has(userId)) decision = "DUPLICATE";
  else if (state.issued >= state.stock) decision = "SOLD_OUT";
  else {
    state.holders.add(userId);
    state.issued += 1;
    decision = "ISSUED";
  }
  state.decisions.set(requestId, decision);
  return decision;
}
