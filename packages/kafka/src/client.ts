import { Kafka, logLevel, type LogEntry, Partitioners, type Producer } from "kafkajs";
import type { Logger } from "./logger.ts";

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
}

export function createKafka({ brokers, clientId, logger }: KafkaClientOptions): Kafka {
  return new Kafka({
    brokers,
    clientId,
    // A busy two-core machine can take longer than kafkajs' default 1 s to accept a connection.
    connectionTimeout: 3_000,
    // Backoff sums to ~25 s: long enough to ride out a leader failover (~6.5 s) or a broker restart.
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 30_000 },
    ...(logger ? { logLevel: logLevel.INFO, logCreator: () => bridgeTo(logger) } : {}),
  });
}

/**
 * The producer of issue requests and dead letters: idempotent, acks = all with one send in flight, retried until the
 * broker takes it (the caller bounds how long it waits). The backoff stops growing at half a second, so a send sees a
 * new leader within half a second of its election: doubling up to the client's 30 s turned a failover of a few seconds
 * into a stall many times as long.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 100, maxRetryTime: 500, retries: Number.MAX_SAFE_INTEGER },
  });
}

function bridgeTo(logger: Logger) {
  return ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _source, ...fields } = log;
    const line = { kafkajs: namespace, ...fields };
    switch (level) {
      case logLevel.ERROR:
        return logger.error(line, message);
      case logLevel.WARN:
        return logger.warn(line, message);
      case logLevel.INFO:
        return logger.info(line, message);
      default:
        return logger.debug(line, message);
    }
  };
}
