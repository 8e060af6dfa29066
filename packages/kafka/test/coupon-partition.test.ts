import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { partitionOfCoupon } from "../src/coupon-partition.ts";
import { PARTITIONS } from "../src/topics.ts";

describe("partitionOfCoupon", () => {
  it("is the partition the producer picks for the coupon's key, whichever partitions have a leader", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const metadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: partitionId % 2 === 0 ? 1 : -1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
    }));
    for (let i = 0; i < 200; i++) {
      const couponId = crypto.randomUUID();
      const chosen = partitioner({ topic: ISSUE_REQUEST_TOPIC, partitionMetadata: metadata, message: { key: couponId, value: null } });
      expect(partitionOfCoupon(couponId, PARTITIONS)).toBe(chosen);
    }
  });

  it("spreads coupons over every partition", () => {
    const seen = new Set(Array.from({ length: 300 }, () => partitionOfCoupon(crypto.randomUUID(), PARTITIONS)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
