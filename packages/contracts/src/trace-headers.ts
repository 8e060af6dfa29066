import { headerText, type MessageHeaders } from "./message-headers.ts";
import { parseTraceparent } from "./traceparent.ts";

/** W3C Trace Context, as OpenTelemetry's Kafka instrumentation carries it. */
export const TRACEPARENT_HEADER = "traceparent";
/** The API's request id: the `reqId` of its log lines. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What lets one issue request be followed from the API's log to the issuer's decision. */
export interface TraceHeaders {
  traceparent?: string;
  requestId?: string;
}

/** The trace a consumed message came with: its headers as sent, and the trace id when the traceparent is valid. */
export interface MessageTrace extends TraceHeaders {
  traceId?: string;
}

export function encodeTraceHeaders(trace: TraceHeaders): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (trace.traceparent) headers[TRACEPARENT_HEADER] = trace.traceparent;
  if (trace.requestId) headers[REQUEST_ID_HEADER] = trace.requestId;
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** Reads the trace of a consumed message; messages from before the headers existed simply have none. */
export function decodeTraceHeaders(headers: MessageHeaders | undefined): MessageTrace {
  const traceparent = headerText(headers, TRACEPARENT_HEADER);
  const requestId = headerText(headers, REQUEST_ID_HEADER);
  const traceId = parseTraceparent(traceparent ?? undefined)?.traceId;
  return { ...(traceparent ? { traceparent } : {}), ...(traceId ? { traceId } : {}), ...(requestId ? { requestId } : {}) };
}
