/** The W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/), version 00. */
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
