import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { EntryProgress } from "@dibs/domain";
import { partitionOfCoupon } from "@dibs/kafka";
import type { Admin } from "kafkajs";

export interface PartitionLag {
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

const PROGRESS_POLL_MS = 200;

/** How far the consumer group is behind the end of the request topic, per partition. */
export async function consumerLag(admin: Admin, groupId: string): Promise<PartitionLag[]> {
  const [ends, committedBy] = await Promise.all([admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC), committedOffsets(admin, groupId)]);
  return ends
    .map((end) => {
      const at = committedBy.get(end.partition) ?? 0;
      return { partition: end.partition, committed: at, end: Number(end.high), lag: Math.max(0, Number(end.high) - at) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Where the group stands on the one partition that carries the coupon's requests, against that partition's end offset
 * as read first; waits up to `waitMs` for the group to commit up to it. No other partition plays a part: one that is
 * stuck holds back its own coupons, not this one.
 */
export async function couponEntryProgress(admin: Admin, groupId: string, couponId: string, waitMs: number): Promise<EntryProgress> {
  const lags = await consumerLag(admin, groupId);
  const partition = partitionOfCoupon(couponId, lags.length);
  const { end: target, committed: first } = lags.find((p) => p.partition === partition)!;
  let committed = first;
  const deadline = Date.now() + waitMs;
  while (committed < target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
    committed = (await committedOffsets(admin, groupId)).get(partition) ?? 0;
  }
  return { partition, committed, target };
}

/** The group's committed offset per partition; a partition it never committed counts from 0. */
async function committedOffsets(admin: Admin, groupId: string): Promise<Map<number, number>> {
  const committed = await admin.fetchOffsets({ groupId, topics: [ISSUE_REQUEST_TOPIC] });
  return new Map(committed[0]?.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]) ?? []);
}
