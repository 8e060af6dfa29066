import { healthOf } from "@dibs/runtime";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../ports.ts";

const readiness = z.object({
  status: z.enum(["ready", "not ready"]),
  checks: z.record(z.string(), z.string()).describe('"ok" or "unavailable" per dependency (kafka, redis, postgres), and "draining" for shutdown'),
});

/** How long one look at the dependencies answers /readyz: the load balancer's probes cost no round trip each. */
const READINESS_CACHE_MS = 1_000;

/**
 * /livez is the process; /readyz its dependencies, and false while it drains so the balancer stops sending. Neither
 * says more than ok or not: what failed, and how, is in the log.
 */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps, isDraining: () => boolean): void {
  // The dependencies are looked up at the first probe: describing the API builds these routes without adapters.
  const health = healthOf(() => deps.readiness, {
    cacheMs: READINESS_CACHE_MS,
    onFailure: (dependency, error) => app.log.warn({ err: error, dependency }, "readiness check failed"),
    isDraining,
  });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get("/livez", { schema: { summary: "The process is alive", response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => health.live());
  const readyzSchema = {
    summary: "Kafka, Redis and Postgres answer, and the process is not draining",
    response: { 200: readiness.describe("Ready for traffic"), 503: readiness.describe("Not ready: keep traffic away") },
  };
  typed.get("/readyz", { schema: readyzSchema }, async (_request, reply) => {
    const { statusCode, body } = await health.ready();
    return reply.code(statusCode).send(body);
  });
}
