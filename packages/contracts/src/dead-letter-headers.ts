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

/** On a letter replayed onto coupon-issue-request: its id (`partition:offset`) in the dead-letter topic. */
export const REPLAYED_FROM_HEADER = "dibs-replayed-from";
