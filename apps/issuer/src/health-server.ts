import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export type ReadinessCheck = () => Promise<void> | void;

/** The issuer's small HTTP side: /livez is the process, /readyz its dependencies, /metrics for Prometheus. */
export function buildHealthServer(checks: Record<string, ReadinessCheck>, metrics: Registry): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_request, reply) => reply.header("content-type", metrics.contentType).send(await metrics.metrics()));
  app.get("/livez", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, "ok"] as const;
        } catch (error) {
          return [name, (error as Error).message] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
  });
  return app;
}
