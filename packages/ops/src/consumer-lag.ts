import { ISSUE_REQUEST_TOPIC } from "@dibs/kafka";
import type { Admin } from "kafkajs";

export interface PartitionLag {
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

/** How far the consumer group is behind the end of the request topic, per partition. */
export async function consumerLag(admin: Admin, groupId: string): Promise<PartitionLag[]> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC),
    admin.fetchOffsets({ groupId, topics: [ISSUE_REQUEST_TOPIC] }),
  ]);
  const committedBy = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  return ends
    .map((end) => {
      const at = Math.max(0, committedBy.get(end.partition) ?? 0);
      return { partition: end.partition, committed: at, end: Number(end.high), lag: Math.max(0, Number(end.high) - at) };
    })
    .sort((a, b) => a.partition - b.partition);
}
