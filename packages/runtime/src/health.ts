import { type ReadinessCheck, readinessOf } from "./readiness.ts";

export interface LiveBody {
  status: "ok";
}

export interface ReadyBody {
  status: "ready" | "not ready";
  /** "ok" or "unavailable" per dependency, and `shutdown: "draining"` while the process drains. */
  checks: Record<string, string>;
}

export interface ReadyAnswer {
  statusCode: 200 | 503;
  body: ReadyBody;
}

export interface HealthOptions {
  /** How long one look at the dependencies answers /readyz: the probes cost no round trip each. */
  cacheMs: number;
  /** What failed, and how, goes here (the log), never into the answer. */
  onFailure: (dependency: string, error: unknown) => void;
  /** True once the process drains: /readyz turns 503 so the balancer or the cluster stops sending. */
  isDraining: () => boolean;
}

export interface Health {
  /** /livez: the process answers, 200 always. */
  live(): LiveBody;
  /** /readyz: every dependency answers and the process is not draining. */
  ready(): Promise<ReadyAnswer>;
}

/**
 * /livez and /readyz for any app, whatever serves them. `checks` is read at the first /readyz, so an app can be
 * built, and described, before its adapters exist.
 */
export function healthOf(checks: () => Record<string, ReadinessCheck>, options: HealthOptions): Health {
  let readiness: ReturnType<typeof readinessOf> | undefined;
  return {
    live: () => ({ status: "ok" }),
    async ready() {
      readiness ??= readinessOf(checks(), options);
      const { ready, checks: results } = await readiness();
      const draining = options.isDraining();
      const body: ReadyBody = {
        status: ready && !draining ? "ready" : "not ready",
        checks: draining ? { ...results, shutdown: "draining" } : results,
      };
      return { statusCode: body.status === "ready" ? 200 : 503, body };
    },
  };
}
