export * from "./check-coupon.ts";
