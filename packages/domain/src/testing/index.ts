export * from "./a-coupon.ts";
export * from "./in-memory-issue-gate.ts";
export * from "./in-memory-issue-store.ts";
export * from "./overriding.ts";
