export * from "./redis-connection.ts";
export * from "./redis-issue-gate.ts";
export * from "./redis-queue-line.ts";
export * from "./sold-out.ts";
