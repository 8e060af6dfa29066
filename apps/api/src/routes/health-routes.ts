import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../ports.ts";

/** /livez is the process; /readyz its dependencies, and false while it drains so the balancer stops sending. */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps, isDraining: () => boolean): void {
  app.get("/livez", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const checks: Record<string, string> = {};
    await Promise.all(
      Object.entries(deps.readiness).map(async ([name, check]) => {
        checks[name] = await check().then(
          () => "ok",
          (error: Error) => error.message,
        );
      }),
    );
    if (isDraining()) checks.shutdown = "draining";
    const ready = Object.values(checks).every((c) => c === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
}
