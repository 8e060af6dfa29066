import { gateKeys } from "@dibs/contracts";
import type { RedisClient } from "./redis-connection.ts";

/** How many the gate has issued; null when it holds no state for the coupon. Compare with Postgres' stock. */
export async function issuedAtGate(redis: RedisClient, couponId: string): Promise<number | null> {
  const issued = await redis.hget(gateKeys(couponId).meta, "issued");
  return issued === null ? null : Number(issued);
}
