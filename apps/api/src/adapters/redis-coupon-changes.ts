import { COUPON_CHANGES_CHANNEL } from "@dibs/contracts";
import type { Redis } from "ioredis";
import type { CouponChanges } from "../ports.ts";

export class RedisCouponChanges implements CouponChanges {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  async announce(couponId: string): Promise<void> {
    await this.redis.publish(COUPON_CHANGES_CHANNEL, couponId);
  }
}

/** Calls `onChange` for every announced coupon; the returned function unsubscribes. */
export async function listenForCouponChanges(subscriber: Redis, onChange: (couponId: string) => void): Promise<() => Promise<void>> {
  await subscriber.subscribe(COUPON_CHANGES_CHANNEL);
  const listener = (channel: string, couponId: string) => {
    if (channel === COUPON_CHANGES_CHANNEL) onChange(couponId);
  };
  subscriber.on("message", listener);
  return async () => {
    subscriber.off("message", listener);
    await subscriber.unsubscribe(COUPON_CHANGES_CHANNEL);
  };
}
