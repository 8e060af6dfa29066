import type { MessageHeaders } from "@dibs/contracts";
import type { IssueRequest } from "@dibs/domain";

/** A message as the consumer read it, in no client library's types. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: MessageHeaders;
}

/** One message of a batch as the consumer decoded it: the request it carries, or why it carries none. */
export type IncomingMessage = { raw: RawMessage; request: IssueRequest } | { raw: RawMessage; unreadable: string };
