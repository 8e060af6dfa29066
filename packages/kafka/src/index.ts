export * from "./client.ts";
export * from "./coupon-partition.ts";
export * from "./logger.ts";
export * from "./partition-acks.ts";
export * from "./security-variables.ts";
export * from "./topics.ts";
