import { decideIssueRequests, type GatedBatch, gateIssueRequests, type IssueGate, type IssueRequest, type IssueStore, recordGatedBatch } from "@dibs/domain";
import { decodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/kafka";
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "pino";
import type { DeadLetter, KafkaDeadLetters } from "./adapters/kafka-dead-letters.ts";
import { commitDecided } from "./commit-offsets.ts";
import { logDecisions } from "./decision-log.ts";
import type { ReachFaultPoint } from "./fault-points.ts";
import { InFlightRecords, type RecordedBatch } from "./in-flight-records.ts";
import type { IssuerMetrics } from "./metrics.ts";
import type { RedisDecisionNotifier } from "./adapters/redis-decision-notifier.ts";
import { AbandonedError, type RetryControl, retryUntilDone } from "./retry.ts";

export interface IssueConsumerDeps {
  kafka: Kafka;
  groupId: string;
  gate: IssueGate;
  store: IssueStore;
  deadLetters: KafkaDeadLetters;
  notifier: RedisDecisionNotifier;
  log: Logger;
  metrics: IssuerMetrics;
  partitionsConsumedConcurrently?: number;
  faultPoint?: ReachFaultPoint;
}

export interface IssueConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  isConnected(): boolean;
}

interface ConsumerState {
  consumer: Consumer;
  inFlight: InFlightRecords;
  stopping: boolean;
}

export function createIssueConsumer(deps: IssueConsumerDeps): IssueConsumer {
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxBytesPerPartition: 2 * 1024 * 1024,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
  });
  const state: ConsumerState = { consumer, inFlight: new InFlightRecords(), stopping: false };
  let connected = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    connected = true;
    state.inFlight.forget();
    deps.metrics.forgetLag();
  });
  consumer.on(consumer.events.DISCONNECT, () => (connected = false));
  consumer.on(consumer.events.CRASH, (event) => {
    connected = false;
    deps.log.error({ err: event.payload.error, restart: event.payload.restart }, "consumer crashed");
  });

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: ISSUE_REQUEST_TOPIC, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently ?? 6,
        eachBatch: (payload) => processBatch(payload, state, deps),
      });
    },
    async stop() {
      // What Postgres is recording now still gets its offsets committed; nothing new starts.
      state.stopping = true;
      await state.inFlight.settle();
      await consumer.disconnect();
    },
    isConnected: () => connected,
  };
}

/**
 * Gates the batch, then leaves it to be recorded while kafkajs fetches the next one, whose gating then overlaps this
 * batch's Postgres transaction. A batch is recorded only once the one before it on its partition is, and its offset
 * committed only after that: a crash means redelivery, never a loss.
 */
async function processBatch(payload: EachBatchPayload, state: ConsumerState, deps: IssueConsumerDeps): Promise<void> {
  const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
  if (batch.isEmpty() || state.stopping) return;
  const log = deps.log.child({ partition: batch.partition, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() });
  const control: RetryControl = {
    shouldContinue: () => isRunning() && !isStale() && !state.stopping,
    heartbeat,
    onRetry: (err, attempt, delayMs) => log.warn({ err, attempt, delayMs }, "batch failed, retrying"),
  };
  const { requests, poison, messageOf } = decodeBatch(batch.messages);

  try {
    let gated = await retryUntilDone(() => gateIssueRequests(requests, deps), control);
    // Said here: gating it again below would not rebuild again, and the record would not know this rebuild.
    if (gated.rebuilt.length > 0) log.warn({ coupons: gated.rebuilt }, "gate state rebuilt from Postgres");
    const before = await recordedBefore(batch, state, log);
    // A gate rebuilt from Postgres while this batch was gated may not have known the batch before it.
    if (before.rebuilt.length > 0 || gated.rebuilt.length > 0) gated = await retryUntilDone(() => gateIssueRequests(requests, deps), control);
    const recorded = recordAndCommit({ batch, gated, requests, poison, messageOf, control, log }, state.consumer, deps);
    state.inFlight.start(batch.partition, batch.firstOffset()!, recorded);
  } catch (error) {
    if (error instanceof AbandonedError) return log.info("batch abandoned, it will be redelivered");
    throw error;
  }
  resolveOffset(batch.lastOffset());
  await heartbeat();
}

/** Waits for the partition's previous batch; if it was not recorded, goes back to it, so nothing after it comes first. */
async function recordedBefore(batch: Batch, state: ConsumerState, log: Logger): Promise<RecordedBatch> {
  const previous = state.inFlight.of(batch.partition);
  if (!previous) return { rebuilt: [] };
  try {
    return await previous.done;
  } catch (error) {
    state.inFlight.forget(batch.partition);
    if (!state.stopping) state.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: previous.firstOffset });
    log.warn({ err: error, from: previous.firstOffset }, "the batch before this one was not recorded: consuming again from it");
    throw error;
  }
}

interface GatedKafkaBatch {
  batch: Batch;
  gated: GatedBatch;
  requests: IssueRequest[];
  poison: DeadLetter[];
  messageOf: (request: IssueRequest) => KafkaMessage;
  control: RetryControl;
  log: Logger;
}

async function recordAndCommit(work: GatedKafkaBatch, consumer: Consumer, deps: IssueConsumerDeps): Promise<RecordedBatch> {
  const { batch, gated, requests, poison, messageOf, control, log } = work;
  let attempt = 0;
  const outcome = await retryUntilDone(async () => {
    // A retry decides afresh: the gate may have lost its state while Postgres was away.
    const outcome = attempt++ === 0 ? await recordGatedBatch(gated, deps) : await decideIssueRequests(requests, deps);
    if (outcome.rebuilt.length > 0) log.warn({ coupons: outcome.rebuilt }, "gate state rebuilt from Postgres");
    const unknown = outcome.unknownCoupon.map((r) => ({ message: messageOf(r), reason: `unknown coupon ${r.couponId}` }));
    await deps.deadLetters.publish({ topic: batch.topic, partition: batch.partition }, [...poison, ...unknown]);
    await deps.notifier.notify(outcome.recorded);
    log.debug({ decided: outcome.recorded.length, deadLettered: poison.length + unknown.length }, "batch decided");
    return { ...outcome, unknownCoupons: unknown.length };
  }, control);
  deps.metrics.decided(outcome.recorded);
  deps.metrics.deadLettered("poison", poison.length);
  deps.metrics.deadLettered("unknown_coupon", outcome.unknownCoupons);
  logDecisions(log, outcome.recorded, messageOf);
  // Offsets move only after Postgres committed: a crash before this line means redelivery, never a loss.
  const next = (BigInt(batch.lastOffset()) + 1n).toString();
  deps.faultPoint?.("after-db-commit");
  await commitDecided(consumer, { topic: batch.topic, partition: batch.partition, offset: next });
  deps.metrics.lagged(batch.topic, batch.partition, Number(batch.offsetLag()));
  return { rebuilt: outcome.rebuilt };
}

function decodeBatch(messages: KafkaMessage[]) {
  const requests: IssueRequest[] = [];
  const poison: DeadLetter[] = [];
  const byRequest = new Map<string, KafkaMessage>();
  for (const message of messages) {
    const decoded = decodeIssueRequest(message.value);
    if (decoded.ok) {
      requests.push(decoded.request);
      byRequest.set(decoded.request.requestId, message);
    } else {
      poison.push({ message, reason: decoded.reason });
    }
  }
  return { requests, poison, messageOf: (r: IssueRequest) => byRequest.get(r.requestId)! };
}
