export * from "./redis-issue-gate.ts";
export * from "./sold-out.ts";
export * from "./redis-connection.ts";
