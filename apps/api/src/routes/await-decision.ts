import type { ApiDeps, DecisionView } from "../ports.ts";

const FALLBACK_POLL_MS = 1_000;

/**
 * Reads the decision, waking on the issuer's announcement; Postgres is read at least every second in case an
 * announcement was lost. Returns null when `until` passes or `signal` aborts first.
 */
export async function awaitDecision(deps: ApiDeps, requestId: string, until: number, signal?: AbortSignal): Promise<DecisionView | null> {
  for (;;) {
    const listening = new AbortController();
    const stop = () => listening.abort();
    signal?.addEventListener("abort", stop, { once: true });
    const woken = deps.decisions.wait(requestId, Math.max(0, Math.min(FALLBACK_POLL_MS, until - Date.now())), listening.signal);
    try {
      const decided = await deps.queries.findDecision(requestId);
      if (decided || Date.now() >= until || signal?.aborted) return decided;
      await woken;
    } finally {
      listening.abort();
      signal?.removeEventListener("abort", stop);
    }
  }
}
