import { type DecidedRequest, decideIssueRequests, type IssueGate, type IssueRequest, type IssueStore } from "@dibs/domain";
import { decodeIssueRequest, ISSUE_REQUEST_TOPIC } from "@dibs/kafka";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "pino";
import type { DeadLetter, KafkaDeadLetters } from "./adapters/kafka-dead-letters.ts";
import { commitDecided } from "./commit-offsets.ts";
import { logDecisions } from "./decision-log.ts";
import type { ReachFaultPoint } from "./fault-points.ts";
import type { IssuerMetrics } from "./metrics.ts";
import type { RedisDecisionNotifier } from "./adapters/redis-decision-notifier.ts";
import { AbandonedError, retryUntilDone } from "./retry.ts";

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

export function createIssueConsumer(deps: IssueConsumerDeps): IssueConsumer {
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxBytesPerPartition: 2 * 1024 * 1024,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
  });
  let connected = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    connected = true;
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
        eachBatch: (payload) => processBatch(payload, consumer, deps),
      });
    },
    async stop() {
      await consumer.disconnect();
    },
    isConnected: () => connected,
  };
}

async function processBatch(payload: EachBatchPayload, consumer: Consumer, deps: IssueConsumerDeps): Promise<void> {
  const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
  if (batch.isEmpty()) return;
  const log = deps.log.child({ partition: batch.partition, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() });
  const { requests, poison, messageOf } = decodeBatch(batch.messages);
  let recorded: DecidedRequest[] = [];
  let unknownCoupons = 0;

  try {
    await retryUntilDone(
      async () => {
        const outcome = await decideIssueRequests(requests, { gate: deps.gate, store: deps.store });
        if (outcome.rebuilt.length > 0) log.warn({ coupons: outcome.rebuilt }, "gate state rebuilt from Postgres");
        const unknown = outcome.unknownCoupon.map((r) => ({ message: messageOf(r), reason: `unknown coupon ${r.couponId}` }));
        await deps.deadLetters.publish({ topic: batch.topic, partition: batch.partition }, [...poison, ...unknown]);
        await deps.notifier.notify(outcome.recorded);
        log.debug({ decided: outcome.recorded.length, deadLettered: poison.length + unknown.length }, "batch decided");
        recorded = outcome.recorded;
        unknownCoupons = unknown.length;
      },
      {
        shouldContinue: () => isRunning() && !isStale(),
        heartbeat,
        onRetry: (err, attempt, delayMs) => log.warn({ err, attempt, delayMs }, "batch failed, retrying"),
      },
    );
  } catch (error) {
    if (error instanceof AbandonedError) return log.info("batch abandoned, it will be redelivered");
    throw error;
  }
  deps.metrics.decided(recorded);
  deps.metrics.deadLettered("poison", poison.length);
  deps.metrics.deadLettered("unknown_coupon", unknownCoupons);
  logDecisions(log, recorded, messageOf);
  // Offsets move only after Postgres committed: a crash before this line means redelivery, never a loss.
  const next = (BigInt(batch.lastOffset()) + 1n).toString();
  deps.faultPoint?.("after-db-commit");
  await commitDecided(consumer, { topic: batch.topic, partition: batch.partition, offset: next });
  resolveOffset(batch.lastOffset());
  deps.metrics.lagged(batch.topic, batch.partition, Number(batch.offsetLag()));
  await heartbeat();
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
