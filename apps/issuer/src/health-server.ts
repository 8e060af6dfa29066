import Fastify, { type FastifyInstance } from "fastify";

export type ReadinessCheck = () => Promise<void> | void;

/** The issuer's small HTTP side: /livez is the process, /readyz its dependencies. */
export function buildHealthServer(checks: Record<string, ReadinessCheck>): FastifyInstance {
  const app = Fastify({ logger: false });
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
