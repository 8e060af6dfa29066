import type { IssueRequest } from "@dibs/domain";
import { z } from "zod";
import type { MessageHeaders } from "./message-headers.ts";
import { decodeTraceHeaders, encodeTraceHeaders, type MessageTrace, type TraceHeaders } from "./trace-headers.ts";

/** The wire contract of topic coupon-issue-request: JSON, keyed by couponId so one coupon stays on one partition. */
const issueRequestMessageSchema = z.strictObject({
  v: z.literal(1),
  requestId: z.uuid(),
  couponId: z.uuid(),
  userId: z.string().min(1).max(128),
  acceptedAt: z.iso.datetime({ offset: true }),
});

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
  const parsed = issueRequestMessageSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `wrong schema: ${z.prettifyError(parsed.error).replace(/\s+/g, " ")}` };
  const { requestId, couponId, userId, acceptedAt } = parsed.data;
  return { ok: true, request: { requestId, couponId, userId, acceptedAt: new Date(acceptedAt) } };
}

/** A consumed message whole: its request, or why it carries none, and the trace it came with (an unreadable one too). */
export type DecodedMessage = DecodeResult & { trace: MessageTrace };

export function decodeIssueRequestMessage(message: { value: Buffer | null; headers?: MessageHeaders | undefined }): DecodedMessage {
  return { ...decodeIssueRequest(message.value), trace: decodeTraceHeaders(message.headers) };
}
