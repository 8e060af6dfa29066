import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { PartitionMetadata, Producer, ProducerRecord } from "kafkajs";

/** A kafkajs producer that acknowledges every send at once and keeps what it was given. */
export function recordingProducer() {
  const sends: ProducerRecord[] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      sends.push(record);
      const partitions = new Set(record.messages.map((m) => m.partition!));
      return [...partitions].map((partition) => ({ topicName: ISSUE_REQUEST_TOPIC, partition, errorCode: 0 }));
    },
  } as unknown as Producer;
  const partitions: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
  return { producer, sends, partitions };
}
