export * from "./check-coupon.ts";
export * from "./liveness.ts";
export * from "./report.ts";
