export * from "./redis-issue-gate.ts";
export * from "./sold-out.ts";
export * from "./verdict-codec.ts";
export * from "./redis-connection.ts";
