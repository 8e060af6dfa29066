import { healthOf, type ReadinessCheck } from "@dibs/runtime";
import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

/** How long one look at the dependencies answers /readyz: the probes cost no round trip each. */
const READINESS_CACHE_MS = 1_000;

/**
 * The issuer's small HTTP side, for the cluster's probes and Prometheus only: /livez is the process, /readyz its
 * dependencies (ok or not; what failed is in the log), and not ready while it drains; /metrics.
 */
export function buildHealthServer(
  checks: Record<string, ReadinessCheck>,
  metrics: Registry,
  log: Logger,
  isDraining: () => boolean = () => false,
): FastifyInstance {
  const app = Fastify({ logger: false });
  const health = healthOf(() => checks, {
    cacheMs: READINESS_CACHE_MS,
    onFailure: (dependency, error) => log.warn({ err: error, dependency }, "readiness check failed"),
    isDraining,
  });
  app.get("/metrics", async (_request, reply) => reply.header("content-type", metrics.contentType).send(await metrics.metrics()));
  app.get("/livez", async () => health.live());
  app.get("/readyz", async (_request, reply) => {
    const { statusCode, body } = await health.ready();
    return reply.code(statusCode).send(body);
  });
  return app;
}
