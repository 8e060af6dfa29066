import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import fp from "fastify-plugin";
import { runInTrace, traceFor } from "../trace-context.ts";

/**
 * Gives every request its W3C trace and keeps it in async context, so the Kafka publisher can put the trace and the
 * request id into the message headers without the domain knowing; the request's log lines carry the trace id.
 */
export const tracingPlugin = fp(async (app: FastifyInstance) => {
  app.addHook("onRequest", (request, reply, done) => {
    const header = request.headers.traceparent;
    const trace = traceFor(request.id, Array.isArray(header) ? header[0] : header);
    // Fastify gave this request a pino child of its own: bind to it rather than make a second (~15 µs a request).
    (request.log as FastifyBaseLogger & Partial<Pick<Logger, "setBindings">>).setBindings?.({ traceId: trace.traceId });
    reply.header("x-request-id", request.id);
    runInTrace(trace, done);
  });
});
