import { encodeIssueRequest, ISSUE_REQUEST_TOPIC, type MessageTrace } from "@dibs/contracts";
import { type IssueRequest, UnavailableError } from "@dibs/domain";
import { assertAllPartitionsAcknowledged, partitionOfCoupon } from "@dibs/kafka";
import type { PartitionMetadata, Producer } from "kafkajs";
import type { Logger } from "pino";
import type { ApiMetrics } from "../metrics.ts";
import type { TracedPublisher } from "../ports.ts";

export interface PublisherOptions {
  /** How long after its acceptance a request waits for the broker's acknowledgement before the API answers 503. */
  ackTimeoutMs: number;
  /** How long the first request of an idle moment waits for company. */
  lingerMs?: number;
  maxBatchSize?: number;
  /**
   * The most requests that may wait for Kafka. Past it a request is refused at once (503): it would wait out its
   * deadline behind the others. By default what Kafka has been acknowledging within `ackTimeoutMs`, within bounds.
   */
  maxQueued?: number;
}

/** Bounds on the queue when it follows Kafka's pace: room for a burst before any send is timed, and a ceiling. */
const QUEUE_FLOOR = 2_000;
const QUEUE_CEILING = 50_000;
const MAX_BATCH_SIZE = 1_000;
/**
 * While a send is out, requests gather for the next one anyway; between sends, the first request waits this long for
 * company. Each send costs the broker and the issuer per request batch, so at moderate load a few milliseconds here
 * spare them most of their work; under load the wait is rarely taken.
 */
const DEFAULT_LINGER_MS = 5;

interface Pending {
  message: { key: string; value: string; partition: number; headers?: Record<string, string> };
  request: IssueRequest;
  trace: MessageTrace;
  /** When the request stops waiting (Date.now() ms) and its HTTP answer turns 503. */
  deadline: number;
  settled: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * kafkajs has no linger and its idempotent producer wants one send in flight: concurrent HTTP requests are
 * gathered into one `send` (acks = all) at a time, and each resolves only when its batch was acknowledged.
 */
export class KafkaIssueRequestPublisher implements TracedPublisher {
  private queue: Pending[] = [];
  private inFlight: Pending[] = [];
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly partitionByKey = new Map<string, number>();
  /** One sweep for every waiting request, not a timer each: a timer per request cost more than the rest of `publish`. */
  private readonly sweeper: NodeJS.Timeout;
  /** Messages per second Kafka could acknowledge, one full send at a time, smoothed over the last sends. */
  private acknowledgedPerSecond = 0;
  /** When the send now out left (performance.now()). */
  private sendingSince: number | undefined;

  private readonly producer: Producer;
  private readonly partitions: PartitionMetadata[];
  private readonly options: PublisherOptions;
  private readonly log: Logger;
  private readonly metrics: Pick<ApiMetrics, "produceBatchSize" | "produceAckDuration">;

  constructor(
    producer: Producer,
    partitions: PartitionMetadata[],
    options: PublisherOptions,
    log: Logger,
    metrics: Pick<ApiMetrics, "produceBatchSize" | "produceAckDuration">,
  ) {
    this.producer = producer;
    this.partitions = partitions;
    this.options = options;
    this.log = log;
    this.metrics = metrics;
    this.sweeper = setInterval(() => this.expireOverdue(), Math.max(1, Math.min(100, options.ackTimeoutMs / 4))).unref();
  }

  get answerDeadlineMs(): number {
    return this.options.ackTimeoutMs;
  }

  publish(request: IssueRequest, trace: MessageTrace, options: { resent?: boolean } = {}): Promise<void> {
    const refusal = this.refusalNow();
    if (refusal) return Promise.reject(new UnavailableError("PUBLISH_UNAVAILABLE", refusal));
    const encoded = encodeIssueRequest(request, trace);
    const partition = this.partitionOf(encoded.key);
    return new Promise<void>((resolve, reject) => {
      // From the acceptance, not from here: whatever delayed the request on its way in (a slow Postgres read of the
      // coupon), it is answered within ackTimeoutMs of the time that counts for the window, which a lottery's draw relies on.
      const deadline = (options.resent ? Date.now() : request.acceptedAt.getTime()) + this.options.ackTimeoutMs;
      this.queue.push({ message: { ...encoded, partition }, request, trace, deadline, settled: false, resolve, reject });
      this.schedule();
    });
  }

  /** Why a new request could not be acknowledged before its deadline, if it could not: it is then refused at once. */
  private refusalNow(): string | undefined {
    const outFor = this.sendingSince === undefined ? 0 : performance.now() - this.sendingSince;
    if (outFor > this.options.ackTimeoutMs) return `Kafka has not acknowledged a send for ${Math.round(outFor)} ms`;
    if (this.queue.length >= this.room()) return `Kafka is not keeping up: ${this.queue.length} requests wait for it already`;
    return undefined;
  }

  /** How many requests may wait: what Kafka can acknowledge before a new one's deadline, at the pace it has shown. */
  private room(): number {
    if (this.options.maxQueued !== undefined) return this.options.maxQueued;
    const acknowledgeable = (this.acknowledgedPerSecond * this.options.ackTimeoutMs) / 1_000;
    return Math.min(QUEUE_CEILING, Math.max(QUEUE_FLOOR, Math.round(acknowledgeable)));
  }

  /** The key's partition is a murmur2 hash in kafkajs' slow 64-bit arithmetic: once per coupon, not per request. */
  private partitionOf(key: string): number {
    let partition = this.partitionByKey.get(key);
    if (partition === undefined) {
      partition = partitionOfCoupon(key, this.partitions.length);
      if (this.partitionByKey.size >= 10_000) this.partitionByKey.clear();
      this.partitionByKey.set(key, partition);
    }
    return partition;
  }

  /** Stops the sweep of overdue requests; for a publisher that will not be used again. */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** Waits until everything queued so far was sent or failed. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sending) {
      if (!this.sending) await this.sendQueued();
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private schedule(): void {
    if (this.sending || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendQueued();
    }, this.options.lingerMs ?? DEFAULT_LINGER_MS);
  }

  private async sendQueued(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        // A request answered 503 while it queued behind a slow send is not sent: its owner was told Kafka did not
        // take it, and sending it late only lengthens the backlog of those still waiting.
        this.inFlight = this.queue.splice(0, this.options.maxBatchSize ?? MAX_BATCH_SIZE).filter((p) => !p.settled);
        if (this.inFlight.length > 0) await this.sendBatch(this.inFlight);
      }
    } finally {
      this.inFlight = [];
      this.sending = false;
    }
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    this.metrics.produceBatchSize.observe(batch.length);
    const ackTimer = this.metrics.produceAckDuration.startTimer();
    const sentAt = performance.now();
    this.sendingSince = sentAt;
    try {
      const messages = batch.map((p) => p.message);
      const result = await this.producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages });
      assertAllPartitionsAcknowledged(
        messages.map((m) => ({ topic: ISSUE_REQUEST_TOPIC, partition: m.partition })),
        result,
      );
      ackTimer({ outcome: "acknowledged" });
      // What a full send would carry at the pace this one was acknowledged: one send is out at a time.
      const pace = ((this.options.maxBatchSize ?? MAX_BATCH_SIZE) * 1_000) / Math.max(1, performance.now() - sentAt);
      this.acknowledgedPerSecond = this.acknowledgedPerSecond === 0 ? pace : 0.8 * this.acknowledgedPerSecond + 0.2 * pace;
      const logged = this.log.isLevelEnabled("info");
      for (const pending of batch) {
        if (logged) this.logPublished(pending);
        settle(pending);
      }
    } catch (error) {
      ackTimer({ outcome: "failed" });
      this.log.warn({ err: error, messages: batch.length }, "publishing issue requests failed");
      const cause = `Kafka did not take the request: ${(error as Error).message}`;
      for (const pending of batch) settle(pending, new UnavailableError("PUBLISH_UNAVAILABLE", cause));
    } finally {
      this.sendingSince = undefined;
    }
  }

  private logPublished({ request, trace, message }: Pending): void {
    this.log.info(
      { requestId: request.requestId, couponId: request.couponId, reqId: trace.requestId, traceId: trace.traceId, partition: message.partition },
      "issue request published",
    );
  }

  /** Answers 503 to every request past its deadline, and lets go of those still queued: they will not be sent. */
  private expireOverdue(): void {
    const now = Date.now();
    for (const waiting of [this.queue, this.inFlight]) {
      for (const pending of waiting) {
        if (!pending.settled && pending.deadline <= now) {
          settle(pending, new UnavailableError("PUBLISH_UNAVAILABLE", `Kafka did not acknowledge within ${this.options.ackTimeoutMs} ms of the acceptance`));
        }
      }
    }
    if (this.queue.length > 0 && this.queue[0]!.settled) this.queue = this.queue.filter((p) => !p.settled);
  }
}

function settle(pending: Pending, error?: Error): void {
  if (pending.settled) return;
  pending.settled = true;
  if (error) pending.reject(error);
  else pending.resolve();
}
