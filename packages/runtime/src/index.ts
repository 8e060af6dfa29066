export * from "./config.ts";
export * from "./entry-point.ts";
export * from "./health.ts";
export * from "./logger.ts";
export * from "./readiness.ts";
export * from "./secrets.ts";
