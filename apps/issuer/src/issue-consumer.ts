import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import type { Logger } from "pino";
import type { BatchPipeline, ConsumerControl } from "./batch-pipeline.ts";
import { decodeIncoming } from "./incoming-message.ts";
import type { IssuerMetrics } from "./metrics.ts";

/** How long a busy partition's fetch may wait for more messages: at most this much latency, under load only. */
const BUSY_FETCH_WAIT_MS = 10;
/** ...unless this much has come in already: a few hundred requests, a batch worth deciding at once. */
const BUSY_FETCH_MIN_BYTES = 64 * 1024;

export interface IssueConsumer {
  /** What the pipeline needs of the consumer: commits, pauses and rewinds of this consumer's partitions. */
  readonly control: ConsumerControl;
  start(pipeline: BatchPipeline): Promise<void>;
  stop(): Promise<void>;
  isConnected(): boolean;
}

/**
 * The consumer group's member: it decodes each fetched batch and hands it to the pipeline, which decides it in the
 * background; it returns to kafkajs at once, so that a partition whose batch is being retried holds back no other.
 * (kafkajs fetches the partitions a broker leads together, and fetches again only once every batch of a fetch has
 * returned.) The pipeline pauses a partition that has fallen far behind and commits its offsets as batches are decided.
 */
export function createIssueConsumer(kafka: Kafka, groupId: string, log: Logger, metrics: IssuerMetrics): IssueConsumer {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxBytesPerPartition: 2 * 1024 * 1024,
    // After an empty fetch, the next answers as soon as any partition it asks for has a message (minBytes 1), so an
    // idle issuer adds no latency; the wait bounds how often it fetches for nothing. A fetch cannot take in a partition
    // resumed while it waits, but the pipeline pauses a partition only once it has fallen far behind (a busy one's
    // batches are merged), and then its lane has more than a wait's worth of work in hand.
    maxWaitTimeInMs: 500,
    // After a fetch that brought messages (patched kafkajs), the broker gathers up to BUSY_FETCH_WAIT_MS more before it
    // answers: under moderate load each batch then carries several sends' requests, and the issuer, the broker and
    // Postgres pay their per-batch costs (a fetch, a script, a transaction and its WAL flush) far less often.
    busyFetch: { minBytes: BUSY_FETCH_MIN_BYTES, maxWaitTimeInMs: BUSY_FETCH_WAIT_MS },
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
  });
  const topic = ISSUE_REQUEST_TOPIC;
  let connected = false;
  let pipeline: BatchPipeline | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    connected = true;
    pipeline?.restart();
    metrics.forgetLag();
  });
  consumer.on(consumer.events.DISCONNECT, () => (connected = false));
  consumer.on(consumer.events.CRASH, (event) => {
    connected = false;
    log.error({ err: event.payload.error, restart: event.payload.restart }, "consumer crashed");
  });

  const control: ConsumerControl = {
    commit: (partition, offset) => commitOffset(consumer, { topic, partition, offset }),
    pause: (partition) => consumer.pause([{ topic, partitions: [partition] }]),
    resume: (partition) => consumer.resume([{ topic, partitions: [partition] }]),
    rewind: (partition, offset) => {
      consumer.seek({ topic, partition, offset });
      consumer.resume([{ topic, partitions: [partition] }]);
    },
  };

  return {
    control,
    async start(decider) {
      pipeline = decider;
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 6,
        eachBatch: async (payload) => handOver(payload, decider, metrics),
      });
    },
    async stop() {
      await pipeline?.stop();
      await consumer.disconnect();
    },
    isConnected: () => connected,
  };
}

async function handOver({ batch, isStale, resolveOffset }: EachBatchPayload, pipeline: BatchPipeline, metrics: IssuerMetrics): Promise<void> {
  if (batch.isEmpty() || isStale()) return;
  pipeline.accept({
    partition: batch.partition,
    messages: batch.messages.map(decodeIncoming),
    nextOffset: (BigInt(batch.lastOffset()) + 1n).toString(),
  });
  // Fetch on from here; should the batch not be decided, the pipeline rewinds the partition to it.
  resolveOffset(batch.lastOffset());
  metrics.lagged(batch.topic, batch.partition, Number(batch.offsetLag()));
}

/**
 * Commits a decided batch's offset. kafkajs wraps a group's refusal (a rebalance, an expired member) in errors of its
 * own; the group error itself says what happened, for the log line that reports it.
 */
async function commitOffset(consumer: Consumer, offset: { topic: string; partition: number; offset: string }): Promise<void> {
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
