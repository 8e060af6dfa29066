import { randomUUID } from "node:crypto";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, decodeIssueRequest, encodeIssueRequest, headerText, ISSUE_REQUEST_TOPIC } from "@dibs/kafka";
import type { Kafka, KafkaMessage } from "kafkajs";

export interface DeadLetterEntry {
  /** `partition:offset` in the dead-letter topic. */
  id: string;
  reason: string;
  originalPartition: number | null;
  originalOffset: string | null;
  deadLetteredAt: string | null;
  requestId: string | null;
  couponId: string | null;
  value: string;
}

export interface ReplayReport {
  replayed: Array<{ id: string; requestId: string }>;
  skipped: Array<{ id: string; reason: string }>;
}

const READ_TIMEOUT_MS = 15_000;

/** Every message in the dead-letter topic, oldest first, read without joining any consumer group's offsets. */
export async function listDeadLetters(kafka: Kafka): Promise<DeadLetterEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  if (remaining.size === 0) return [];

  const entries: DeadLetterEntry[] = [];
  const consumer = kafka.consumer({ groupId: `dibs-dlq-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DEAD_LETTER_TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${DEAD_LETTER_TOPIC} took longer than ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          entries.push(toEntry(partition, message));
          if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return entries.sort((a, b) => (a.deadLetteredAt ?? "").localeCompare(b.deadLetteredAt ?? "") || a.id.localeCompare(b.id));
}

/**
 * Publishes the chosen dead letters again. Safe to repeat: the issuer keeps the first decision of a request id.
 * A letter that still cannot be read as a request is skipped with the reason.
 */
export async function replayDeadLetters(kafka: Kafka, entries: readonly DeadLetterEntry[]): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], skipped: [] };
  const messages = [];
  for (const entry of entries) {
    const decoded = decodeIssueRequest(Buffer.from(entry.value));
    if (!decoded.ok) {
      report.skipped.push({ id: entry.id, reason: `still unreadable: ${decoded.reason}` });
      continue;
    }
    messages.push({ ...encodeIssueRequest(decoded.request), headers: { "dibs-replayed-from": entry.id } });
    report.replayed.push({ id: entry.id, requestId: decoded.request.requestId });
  }
  if (messages.length > 0) {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }
  return report;
}

function toEntry(partition: number, message: KafkaMessage): DeadLetterEntry {
  const value = message.value?.toString("utf8") ?? "";
  const decoded = decodeIssueRequest(message.value);
  return {
    id: `${partition}:${message.offset}`,
    reason: headerText(message.headers, DEAD_LETTER_HEADERS.reason) ?? "unknown",
    originalPartition: numberOrNull(headerText(message.headers, DEAD_LETTER_HEADERS.originalPartition)),
    originalOffset: headerText(message.headers, DEAD_LETTER_HEADERS.originalOffset),
    deadLetteredAt: headerText(message.headers, DEAD_LETTER_HEADERS.deadLetteredAt),
    requestId: decoded.ok ? decoded.request.requestId : null,
    couponId: decoded.ok ? decoded.request.couponId : null,
    value,
  };
}

function numberOrNull(value: string | null): number | null {
  return value === null ? null : Number(value);
}
