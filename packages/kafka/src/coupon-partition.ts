import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { Partitioners, type PartitionMetadata } from "kafkajs";

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition of the request topic that carries a coupon's requests: the producer's own choice for the key, murmur2
 * of the coupon id modulo the partition count, whichever partitions have a leader. The publisher sends there, and the
 * lottery draw looks there, and only there, for entries still on their way.
 */
export function partitionOfCoupon(couponId: string, partitionCount: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [],
    isr: [],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic: ISSUE_REQUEST_TOPIC, partitionMetadata, message: { key: couponId, value: null } });
}
