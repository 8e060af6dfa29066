import type { FastifyInstance } from "fastify";
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
    request.log = request.log.child({ traceId: trace.traceId });
    reply.header("x-request-id", request.id);
    runInTrace(trace, done);
  });
});
