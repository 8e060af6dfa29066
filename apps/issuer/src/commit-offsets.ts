import type { Consumer, TopicPartitionOffsetAndMetadata } from "kafkajs";

/**
 * Commits a decided batch's offset. When the group has moved on without this member (its session expired during a
 * long batch, the coordinator moved), the broker refuses the commit, and kafkajs's retrier wraps that refusal in a
 * non-retriable error which, thrown from eachBatch, crashes the consumer for good while the process lives on.
 * Thrown as the group error itself, kafkajs rejoins instead; the batch comes again, and since Postgres has it,
 * deciding it again changes nothing.
 */
export async function commitDecided(consumer: Consumer, offset: TopicPartitionOffsetAndMetadata): Promise<void> {
  try {
    await consumer.commitOffsets([offset]);
  } catch (error) {
    throw rootCause(error);
  }
}

function rootCause(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause ? rootCause(cause) : error;
}
