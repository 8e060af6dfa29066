import { gateKeys } from "@dibs/contracts";
import type { Redis } from "ioredis";

/** How many the gate has issued; null when it holds no state for the coupon. Compare with Postgres' stock. */
export async function issuedAtGate(redis: Redis, couponId: string): Promise<number | null> {
  const issued = await redis.hget(gateKeys(couponId).meta, "issued");
  return issued === null ? null : Number(issued);
}
