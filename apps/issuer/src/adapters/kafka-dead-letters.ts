import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { Message, Producer } from "kafkajs";
import type { Logger } from "pino";
import type { DeadLetter, DeadLetterSink } from "../batch-pipeline.ts";
import { isTransient } from "../failures.ts";

export interface DeadLetterLimits {
  /** What one send may carry: well under the topic's max.message.bytes (1 MiB by default), which bounds each partition's batch. */
  sendBytes: number;
  /** What one letter may carry; a longer value is cut, and the cut said in a header. */
  letterBytes: number;
  /** The longest reason kept in the reason header. */
  reasonCharacters: number;
}

const DEAD_LETTER_LIMITS: DeadLetterLimits = { sendBytes: 512 * 1024, letterBytes: 64 * 1024, reasonCharacters: 1_000 };

/** Room for a record's framing in the broker's batch, beside its key, value and headers. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Parks messages the issuer cannot decide, with why and where they came from, so they can be replayed. The letters of
 * one batch go in as many sends as their size needs; one the broker refuses anyway is logged whole and skipped, so a
 * letter can never stop the partition it came from.
 */
export class KafkaDeadLetters implements DeadLetterSink {
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly limits: DeadLetterLimits;

  constructor(producer: Producer, log: Logger, limits: DeadLetterLimits = DEAD_LETTER_LIMITS) {
    this.producer = producer;
    this.log = log;
    this.limits = limits;
  }

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    const now = new Date().toISOString();
    for (const chunk of chunksOf(
      letters.map((l) => this.toMessage(l, now)),
      this.limits.sendBytes,
    ))
      await this.send(chunk);
  }

  private async send(messages: Message[]): Promise<void> {
    try {
      await this.producer.send({ topic: DEAD_LETTER_TOPIC, acks: -1, messages });
    } catch (error) {
      if (isTransient(error)) throw error;
      if (messages.length === 1) {
        this.log.error({ err: error, letter: describe(messages[0]!) }, "Kafka refused a dead letter: it is logged here instead");
        return;
      }
      const middle = Math.ceil(messages.length / 2);
      await this.send(messages.slice(0, middle));
      await this.send(messages.slice(middle));
    }
  }

  private toMessage({ message, partition, reason }: DeadLetter, now: string): Message {
    const headers: Record<string, string | Buffer> = {
      // The original headers (traceparent, x-request-id) stay, so a parked request can still be followed.
      ...withoutArrays(message.headers),
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, this.limits.reasonCharacters),
      [DEAD_LETTER_HEADERS.originalTopic]: ISSUE_REQUEST_TOPIC,
      [DEAD_LETTER_HEADERS.originalPartition]: String(partition),
      [DEAD_LETTER_HEADERS.originalOffset]: message.offset,
      [DEAD_LETTER_HEADERS.deadLetteredAt]: now,
    };
    let value = message.value;
    const room = this.limits.letterBytes - byteLength(message.key) - headerBytes(headers);
    if (value && value.length > room) {
      headers[DEAD_LETTER_HEADERS.truncatedFrom] = String(value.length);
      value = value.subarray(0, Math.max(0, room));
    }
    return { key: message.key, value, headers };
  }
}

/** Consecutive runs of messages, each at most `budget` bytes (a message larger on its own goes alone). */
function chunksOf(messages: Message[], budget: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = messageBytes(message);
    if (current.length > 0 && size + bytes > budget) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function messageBytes(message: Message): number {
  return RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value) + headerBytes(message.headers as Record<string, string | Buffer>);
}

function headerBytes(headers: Record<string, string | Buffer> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) bytes += Buffer.byteLength(name) + byteLength(value) + 8;
  return bytes;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value == null) return 0;
  return typeof value === "string" ? Buffer.byteLength(value) : value.length;
}

function withoutArrays(headers: DeadLetter["message"]["headers"]): Record<string, string | Buffer> {
  const single: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) single[name] = first;
  }
  return single;
}

function describe(message: Message) {
  return {
    key: message.key?.toString(),
    value: message.value?.toString("base64").slice(0, 4_096),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()])),
  };
}
