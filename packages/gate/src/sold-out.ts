import type { Redis } from "ioredis";
import { gateKeys } from "./gate-keys.ts";

/** True once the gate has issued the whole stock; false when it holds no state for the coupon. */
export async function isSoldOutAtGate(redis: Redis, couponId: string): Promise<boolean> {
  const [stock, issued] = await redis.hmget(gateKeys(couponId).meta, "stock", "issued");
  return stock !== null && issued !== null && Number(issued) >= Number(stock);
}
