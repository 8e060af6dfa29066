export * from "./consumer-lag.ts";
export * from "./dead-letters.ts";
export * from "./reconcile.ts";
