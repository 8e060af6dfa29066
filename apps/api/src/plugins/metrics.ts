import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiMetrics } from "../metrics.ts";

/** Counts and times every answered request by its route template (never the raw URL), and serves /metrics. */
export const metricsPlugin = fp<{ metrics: ApiMetrics }>(
  async (app: FastifyInstance, { metrics }) => {
    app.addHook("onResponse", (request, reply, done) => {
      const labels = { method: request.method, route: request.routeOptions.url ?? "unmatched", status_code: String(reply.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });

    app.withTypeProvider<ZodTypeProvider>().get(
      "/metrics",
      {
        schema: {
          summary: "Prometheus metrics: HTTP, Kafka produce batches and acknowledgements, process",
          response: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.unknown().meta({ type: "string" }) } } } },
        },
      },
      async (_request, reply) => {
        reply.header("content-type", metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  },
  { name: "metrics" },
);
