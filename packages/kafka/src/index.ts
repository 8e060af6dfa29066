export * from "./client.ts";
export * from "./coupon-partition.ts";
export * from "./dead-letter-headers.ts";
export * from "./issue-request-message.ts";
export * from "./logger.ts";
export * from "./partition-acks.ts";
export * from "./topics.ts";
export * from "./trace-headers.ts";
