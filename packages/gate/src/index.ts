export * from "./redis-connection.ts";
export * from "./redis-issue-gate.ts";
export * from "./sold-out.ts";
