import { type IssueRequest, type IssueRequestPublisher, UnavailableError } from "@dibs/domain";
import { assertAllPartitionsAcknowledged, encodeIssueRequest, ISSUE_REQUEST_TOPIC, parseTraceparent } from "@dibs/kafka";
import { type PartitionMetadata, Partitioners, type Producer } from "kafkajs";
import type { Logger } from "pino";
import type { ApiMetrics } from "../metrics.ts";
import { currentTraceHeaders } from "../trace-context.ts";

export interface PublisherOptions {
  /** How long a request waits for the broker's acknowledgement before the API answers 503. */
  ackTimeoutMs: number;
  /** How long the first request of an idle moment waits for company. */
  lingerMs?: number;
  maxBatchSize?: number;
}

interface Pending {
  message: { key: string; value: string; partition: number; headers?: Record<string, string> };
  /** What the log line of its acknowledgement names, to follow it into the issuer's log. */
  logged: { requestId: string; couponId: string; reqId?: string; traceId?: string };
  settle: (error?: Error) => void;
}

/**
 * kafkajs has no linger and its idempotent producer wants one send in flight: concurrent HTTP requests are
 * gathered into one `send` (acks = all) at a time, and each resolves only when its batch was acknowledged.
 */
export class KafkaIssueRequestPublisher implements IssueRequestPublisher {
  private queue: Pending[] = [];
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly producer: Producer,
    private readonly partitions: PartitionMetadata[],
    private readonly options: PublisherOptions,
    private readonly log: Logger,
    private readonly metrics: Pick<ApiMetrics, "produceBatchSize" | "produceAckDuration">,
  ) {}

  publish(request: IssueRequest): Promise<void> {
    const trace = currentTraceHeaders();
    const encoded = encodeIssueRequest(request, trace);
    const partition = this.partitioner({
      topic: ISSUE_REQUEST_TOPIC,
      partitionMetadata: this.partitions,
      message: { key: encoded.key, value: encoded.value },
    });
    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        reject(new UnavailableError("PUBLISH_UNAVAILABLE", `Kafka did not acknowledge within ${this.options.ackTimeoutMs} ms`));
      }, this.options.ackTimeoutMs);
      this.queue.push({
        message: { ...encoded, partition },
        logged: { requestId: request.requestId, couponId: request.couponId, reqId: trace.requestId, traceId: parseTraceparent(trace.traceparent)?.traceId },
        settle: (error) => {
          clearTimeout(timeout);
          if (error) reject(new UnavailableError("PUBLISH_UNAVAILABLE", `Kafka did not take the request: ${error.message}`));
          else resolve();
        },
      });
      this.schedule();
    });
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
    }, this.options.lingerMs ?? 2);
  }

  private async sendQueued(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatchSize ?? 1_000);
        await this.sendBatch(batch);
      }
    } finally {
      this.sending = false;
    }
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    this.metrics.produceBatchSize.observe(batch.length);
    const ackTimer = this.metrics.produceAckDuration.startTimer();
    try {
      const messages = batch.map((p) => p.message);
      const result = await this.producer.send({ topic: ISSUE_REQUEST_TOPIC, acks: -1, messages });
      assertAllPartitionsAcknowledged(
        messages.map((m) => ({ topic: ISSUE_REQUEST_TOPIC, partition: m.partition })),
        result,
      );
      ackTimer({ outcome: "acknowledged" });
      for (const pending of batch) {
        this.log.info({ ...pending.logged, partition: pending.message.partition }, "issue request published");
        pending.settle();
      }
    } catch (error) {
      ackTimer({ outcome: "failed" });
      this.log.warn({ err: error, messages: batch.length }, "publishing issue requests failed");
      for (const pending of batch) pending.settle(error as Error);
    }
  }
}
