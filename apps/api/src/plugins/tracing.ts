import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import { type TraceContext, traceFor } from "../trace-context.ts";

declare module "fastify" {
  interface FastifyRequest {
    trace: TraceContext;
  }
}

/**
 * Gives every request its W3C trace; the request's log lines carry the trace id, and the issue route hands the trace
 * to the Kafka publisher, which puts it and the request id into the message headers.
 */
export const tracingPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest("trace");
    app.addHook("onRequest", (request, reply, done) => {
      const header = request.headers.traceparent;
      request.trace = traceFor(request.id, Array.isArray(header) ? header[0] : header);
      // Bound to the request's own logger rather than a second child; that logger is made only if the request logs.
      (request.log as FastifyBaseLogger & Partial<Pick<Logger, "setBindings">>).setBindings?.({ traceId: request.trace.traceId });
      reply.header("x-request-id", request.id);
      done();
    });
  },
  { name: "tracing" },
);
