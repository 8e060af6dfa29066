import type { IHeaders } from "kafkajs";

/** The headers of a message on coupon-issue-request.DLT, written by the issuer and read by `pnpm dlq` and the API. */
export const DEAD_LETTER_HEADERS = {
  /** Why it was set aside: "not JSON …", "wrong schema …", "unknown coupon …", "unprocessable: …". */
  reason: "dibs-dlt-reason",
  originalTopic: "dibs-original-topic",
  originalPartition: "dibs-original-partition",
  originalOffset: "dibs-original-offset",
  deadLetteredAt: "dibs-dead-lettered-at",
  /** Present when the letter was cut to fit the topic: the original value's size in bytes. */
  truncatedFrom: "dibs-dlt-truncated-from-bytes",
} as const;

/** One header of a consumed message as text, or null. */
export function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}
