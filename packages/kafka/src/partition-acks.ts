import type { RecordMetadata } from "kafkajs";

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * Throws unless the result of one send() acknowledges every partition its messages went to.
 * kafkajs 2.2.4 could resolve a send without the partitions of a dead leader (tulios/kafkajs#1303);
 * our patch fixes that, and this check keeps a regression from passing silently as lost messages.
 */
export function assertAllPartitionsAcknowledged(sentMessagesPartitions: Iterable<TopicPartition>, recordMetadata: readonly RecordMetadata[]): void {
  const acknowledged = new Set(recordMetadata.filter((r) => r.errorCode === 0).map((r) => key(r.topicName, r.partition)));
  const missing = new Set<string>();
  for (const { topic, partition } of sentMessagesPartitions) {
    if (!acknowledged.has(key(topic, partition))) missing.add(key(topic, partition));
  }
  if (missing.size > 0) {
    throw new Error(`Kafka send resolved without acknowledging partitions ${[...missing].sort().join(", ")}`);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}[${partition}]`;
}
