import type { IHeaders } from "kafkajs";

/** W3C Trace Context (https://www.w3.org/TR/trace-context/), as OpenTelemetry's Kafka instrumentation carries it. */
export const TRACEPARENT_HEADER = "traceparent";
/** The API's request id: the `reqId` of its log lines. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What lets one issue request be followed from the API's log to the issuer's decision. */
export interface TraceHeaders {
  traceparent?: string;
  requestId?: string;
}

export interface TraceParent {
  traceId: string;
  spanId: string;
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A version-00 traceparent, or undefined for anything else (including the all-zero ids the spec forbids). */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  const match = value?.trim().match(TRACEPARENT);
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, flags: match[3]! };
}

export function formatTraceparent({ traceId, spanId, flags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

export function toKafkaHeaders(trace: TraceHeaders): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (trace.traceparent) headers[TRACEPARENT_HEADER] = trace.traceparent;
  if (trace.requestId) headers[REQUEST_ID_HEADER] = trace.requestId;
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** Reads the trace headers of a consumed message; messages from before they existed simply have none. */
export function fromKafkaHeaders(headers: IHeaders | undefined): TraceHeaders {
  const read = (name: string) => {
    const value = headers?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  };
  const traceparent = read(TRACEPARENT_HEADER);
  const requestId = read(REQUEST_ID_HEADER);
  return { ...(traceparent ? { traceparent } : {}), ...(requestId ? { requestId } : {}) };
}
