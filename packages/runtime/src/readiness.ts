/** One dependency's check: resolves when it answers. */
export type ReadinessCheck = () => Promise<void>;

export interface Readiness {
  ready: boolean;
  /** "ok" or "unavailable" per dependency: what is wrong goes to the log, not to whoever asks. */
  checks: Record<string, "ok" | "unavailable">;
}

export interface ReadinessOptions {
  /** How long an answer is reused: a probe, or anyone, asking often costs one round trip per dependency per period. */
  cacheMs: number;
  onFailure: (dependency: string, error: unknown) => void;
}

/** /readyz's answer for a set of dependencies, asked at most once per `cacheMs` whoever asks, and however often. */
export function readinessOf(checks: Record<string, ReadinessCheck>, options: ReadinessOptions): () => Promise<Readiness> {
  let last: { at: number; answer: Promise<Readiness> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= options.cacheMs) last = { at: now, answer: ask(checks, options) };
    return last.answer;
  };
}

async function ask(checks: Record<string, ReadinessCheck>, options: ReadinessOptions): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, "ok"] as const;
      } catch (error) {
        options.onFailure(name, error);
        return [name, "unavailable"] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result === "ok"), checks: Object.fromEntries(results) };
}
