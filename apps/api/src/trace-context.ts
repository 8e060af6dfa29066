import { formatTraceparent, type MessageTrace, parseTraceparent } from "@dibs/contracts";
import { pooledRandomBytes } from "./random-pool.ts";

/** The HTTP request being served: its id (the log's `reqId`) and its W3C trace, where the API's span is `spanId`. */
export interface TraceContext {
  requestId: string;
  traceId: string;
  spanId: string;
  flags: string;
}

/**
 * Continues the caller's trace when it sent a valid `traceparent`, otherwise starts one (sampled).
 * Either way the API's own work is a new span, the parent of what the issuer does with the message.
 */
export function traceFor(requestId: string, traceparent: string | undefined): TraceContext {
  const parent = parseTraceparent(traceparent);
  return {
    requestId,
    traceId: parent?.traceId ?? pooledRandomBytes(16).toString("hex"),
    spanId: pooledRandomBytes(8).toString("hex"),
    flags: parent?.flags ?? "01",
  };
}

/** The headers that carry a request's trace onto a Kafka message, with the trace id for the publisher's log line. */
export function traceHeadersOf(trace: TraceContext): MessageTrace {
  return { traceparent: formatTraceparent(trace), requestId: trace.requestId, traceId: trace.traceId };
}
