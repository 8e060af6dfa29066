import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../ports.ts";

const readiness = z.object({
  status: z.enum(["ready", "not ready"]),
  checks: z.record(z.string(), z.string()).describe('"ok", or what is wrong, per dependency (kafka, redis, postgres, shutdown)'),
});

/** /livez is the process; /readyz its dependencies, and false while it drains so the balancer stops sending. */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps, isDraining: () => boolean): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    "/livez",
    { schema: { summary: "The process is alive", response: { 200: z.object({ status: z.literal("ok") }) } } },
    async () => ({ status: "ok" as const }),
  );
  const readyzSchema = {
    summary: "Kafka, Redis and Postgres answer, and the process is not draining",
    response: { 200: readiness.describe("Ready for traffic"), 503: readiness.describe("Not ready: keep traffic away") },
  };
  typed.get("/readyz", { schema: readyzSchema }, async (_request, reply) => {
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
