export * from "./dead-letter-headers.ts";
export * from "./gate-keys.ts";
export * from "./issue-request-message.ts";
export * from "./message-headers.ts";
export * from "./redis-channels.ts";
export * from "./topics.ts";
export * from "./trace-headers.ts";
export * from "./traceparent.ts";
