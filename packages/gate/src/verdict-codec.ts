import type { Decision, Verdict } from "@dibs/domain";

/** How a verdict is kept in Redis: "SOLD_OUT", "ISSUED:2". */
export function encodeVerdict(verdict: { decision: Decision; holding?: number | null | undefined }): string {
  return verdict.holding ? `${verdict.decision}:${verdict.holding}` : verdict.decision;
}

export function decodeVerdict(encoded: string): Verdict {
  const [decision, holding] = encoded.split(":");
  return holding ? { decision: decision as Decision, holding: Number(holding) } : { decision: decision as Decision };
}
