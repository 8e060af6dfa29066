export * from "./accept-issue-request.ts";
export * from "./coupon.ts";
export * from "./decide-issue-requests.ts";
export * from "./decision.ts";
export * from "./errors.ts";
export * from "./gate-rules.ts";
export * from "./issue-request.ts";
export * from "./ports.ts";
