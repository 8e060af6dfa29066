import { Kafka, logLevel, type LogEntry } from "kafkajs";
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
