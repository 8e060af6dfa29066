import { COUPON_CHANGES_CHANNEL } from "@dibs/contracts";
import { publish, type RedisClient, subscribe } from "@dibs/gate";
import type { CouponChanges } from "../ports.ts";

export class RedisCouponChanges implements CouponChanges {
  private readonly redis: RedisClient;

  constructor(redis: RedisClient) {
    this.redis = redis;
  }

  async announce(couponId: string): Promise<void> {
    await publish(this.redis, COUPON_CHANGES_CHANNEL, couponId);
  }
}

/** Calls `onChange` for every announced coupon; the returned function unsubscribes. */
export function listenForCouponChanges(subscriber: RedisClient, onChange: (couponId: string) => void): Promise<() => Promise<void>> {
  return subscribe(subscriber, COUPON_CHANGES_CHANNEL, onChange);
}
