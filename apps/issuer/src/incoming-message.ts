import { decodeIssueRequestMessage, type MessageHeaders, type MessageTrace } from "@dibs/contracts";
import type { IssueRequest } from "@dibs/domain";

/** A message as the consumer read it, in no client library's types. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: MessageHeaders;
}

/**
 * One message of a batch as the consumer decoded it: the request it carries, or why it carries none, and the trace it
 * came with, read from its headers here and nowhere else.
 */
export type IncomingMessage = { raw: RawMessage; trace: MessageTrace; request: IssueRequest } | { raw: RawMessage; trace: MessageTrace; unreadable: string };

export function decodeIncoming(raw: RawMessage): IncomingMessage {
  const decoded = decodeIssueRequestMessage(raw);
  return decoded.ok ? { raw, trace: decoded.trace, request: decoded.request } : { raw, trace: decoded.trace, unreadable: decoded.reason };
}
