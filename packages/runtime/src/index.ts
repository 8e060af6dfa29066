export * from "./secrets.ts";
export * from "./readiness.ts";
