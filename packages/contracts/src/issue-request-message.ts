import type { IssueRequest } from "@dibs/domain";
import { z } from "zod";
import { regexes } from "zod/v4/core";
import type { MessageHeaders } from "./message-headers.ts";
import { decodeTraceHeaders, encodeTraceHeaders, type MessageTrace, type TraceHeaders } from "./trace-headers.ts";

/** The wire contract of topic coupon-issue-request: JSON, keyed by couponId so one coupon stays on one partition. */
export const issueRequestMessageSchema = z.strictObject({
  v: z.literal(1),
  requestId: z.uuid(),
  couponId: z.uuid(),
  userId: z.string().min(1).max(128),
  acceptedAt: z.iso.datetime({ offset: true }),
});

/** The schema's own patterns, for the check every well-formed message takes (see conformsToSchema). */
const UUID = regexes.uuid();
const OFFSET_DATETIME = regexes.datetime({ offset: true, local: false, precision: null });

/**
 * What the schema accepts, checked by hand: the issuer reads every message through here, and zod's machinery cost
 * more than the rest of decoding. A message this refuses goes through the schema itself, which says why; the tests
 * hold the two to the same answer.
 */
function conformsToSchema(json: unknown): json is z.infer<typeof issueRequestMessageSchema> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const m = json as Record<string, unknown>;
  // Five keys, and the five below present: no other key (the schema is strict).
  return (
    Object.keys(m).length === 5 &&
    m.v === 1 &&
    typeof m.requestId === "string" &&
    UUID.test(m.requestId) &&
    typeof m.couponId === "string" &&
    UUID.test(m.couponId) &&
    typeof m.userId === "string" &&
    m.userId.length >= 1 &&
    m.userId.length <= 128 &&
    typeof m.acceptedAt === "string" &&
    OFFSET_DATETIME.test(m.acceptedAt)
  );
}

export interface EncodedMessage {
  key: string;
  value: string;
  /** Trace context only: the value alone decides, so a message without headers means the same. */
  headers?: Record<string, string>;
}

export function encodeIssueRequest(request: IssueRequest, trace: TraceHeaders = {}): EncodedMessage {
  const body = {
    v: 1,
    requestId: request.requestId,
    couponId: request.couponId,
    userId: request.userId,
    acceptedAt: request.acceptedAt.toISOString(),
  };
  const headers = encodeTraceHeaders(trace);
  return { key: request.couponId, value: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

export type DecodeResult = { ok: true; request: IssueRequest } | { ok: false; reason: string };

export function decodeIssueRequest(value: Buffer | null): DecodeResult {
  if (!value) return { ok: false, reason: "empty message" };
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  let message: z.infer<typeof issueRequestMessageSchema>;
  if (conformsToSchema(json)) message = json;
  else {
    const parsed = issueRequestMessageSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `wrong schema: ${z.prettifyError(parsed.error).replace(/\s+/g, " ")}` };
    message = parsed.data;
  }
  const { requestId, couponId, userId, acceptedAt } = message;
  return { ok: true, request: { requestId, couponId, userId, acceptedAt: new Date(acceptedAt) } };
}

/** A consumed message whole: its request, or why it carries none, and the trace it came with (an unreadable one too). */
export type DecodedMessage = DecodeResult & { trace: MessageTrace };

export function decodeIssueRequestMessage(message: { value: Buffer | null; headers?: MessageHeaders | undefined }): DecodedMessage {
  return { ...decodeIssueRequest(message.value), trace: decodeTraceHeaders(message.headers) };
}
