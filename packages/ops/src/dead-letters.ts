import { randomUUID } from "node:crypto";
import {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_TOPIC,
  decodeIssueRequest,
  encodeIssueRequest,
  headerText,
  ISSUE_REQUEST_TOPIC,
  REPLAYED_FROM_HEADER,
} from "@dibs/contracts";
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
/** A listing reads the latest letters of each partition, not the topic: it may hold millions. */
export const LATEST_PER_PARTITION = 200;
/** The widest stretch of a partition a replay by id reads to find its letters. */
const MAX_SPAN = 10_000;

export interface DeadLetterListing {
  /** The latest letters of each partition, oldest first. */
  letters: DeadLetterEntry[];
  /** Every letter in the topic. */
  total: number;
}

interface Range {
  partition: number;
  from: number;
  /** One past the last offset to read. */
  to: number;
}

/** The latest letters of each partition of the dead-letter topic, read without joining any consumer group's offsets. */
export async function listDeadLetters(kafka: Kafka, latestPerPartition = LATEST_PER_PARTITION): Promise<DeadLetterListing> {
  const offsets = await topicOffsets(kafka);
  const ranges = offsets.map(({ partition, low, high }) => ({ partition, from: Math.max(low, high - latestPerPartition), to: high }));
  const letters = await readRanges(kafka, ranges);
  return { letters: letters.sort(byTime), total: offsets.reduce((sum, { low, high }) => sum + (high - low), 0) };
}

/** The letters with these ids (`partition:offset`); ids not in the topic are left out. */
export async function readDeadLetters(kafka: Kafka, ids: readonly string[]): Promise<DeadLetterEntry[]> {
  const offsets = new Map((await topicOffsets(kafka)).map((o) => [o.partition, o]));
  const byPartition = new Map<number, number[]>();
  for (const id of ids) {
    const [partition, offset] = id.split(":").map(Number) as [number, number];
    const known = offsets.get(partition);
    if (!known || offset < known.low || offset >= known.high) continue;
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), offset]);
  }
  const ranges = [...byPartition].map(([partition, wanted]) => ({ partition, from: Math.min(...wanted), to: Math.max(...wanted) + 1 }));
  const tooWide = ranges.find((r) => r.to - r.from > MAX_SPAN);
  if (tooWide)
    throw new Error(
      `the letters asked for in partition ${tooWide.partition} lie ${tooWide.to - tooWide.from} offsets apart: replay at most ${MAX_SPAN} apart at a time`,
    );
  const wanted = new Set(ids);
  return (await readRanges(kafka, ranges)).filter((letter) => wanted.has(letter.id)).sort(byTime);
}

async function topicOffsets(kafka: Kafka): Promise<Array<{ partition: number; low: number; high: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC).finally(() => admin.disconnect());
  return ends.map((e) => ({ partition: e.partition, low: Number(e.low), high: Number(e.high) }));
}

/** Reads [from, to) of each partition with a group of its own, deleted after. */
async function readRanges(kafka: Kafka, ranges: readonly Range[]): Promise<DeadLetterEntry[]> {
  const remaining = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r.to]));
  if (remaining.size === 0) return [];
  const groupId = `dibs-dlq-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const entries: DeadLetterEntry[] = [];
  try {
    await admin.setOffsets({ groupId, topic: DEAD_LETTER_TOPIC, partitions: ranges.map((r) => ({ partition: r.partition, offset: String(r.from) })) });
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: DEAD_LETTER_TOPIC });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${DEAD_LETTER_TOPIC} took longer than ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined || Number(message.offset) >= end) return;
            entries.push(toEntry(partition, message));
            if (Number(message.offset) + 1 >= end) remaining.delete(partition);
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
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return entries;
}

function byTime(a: DeadLetterEntry, b: DeadLetterEntry): number {
  return (a.deadLetteredAt ?? "").localeCompare(b.deadLetteredAt ?? "") || a.id.localeCompare(b.id);
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
    messages.push({ ...encodeIssueRequest(decoded.request), headers: { [REPLAYED_FROM_HEADER]: entry.id } });
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
