import type { TlsFiles } from "@dibs/tls";
import { Kafka, type LogEntry, logLevel, Partitioners, type Producer, type SASLOptions } from "kafkajs";
import type { Logger } from "./logger.ts";

export const SASL_MECHANISMS = ["scram-sha-512", "scram-sha-256", "plain"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** How the client proves itself to the brokers and protects what it sends them. Nothing set: plaintext, no SASL. */
export interface KafkaSecurity {
  /** TLS to every broker: `true` trusts Node's built-in CAs; files replace them (`ca`) or identify the client (`cert`, `key`). */
  tls?: boolean | TlsFiles;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Lets SASL PLAIN go without TLS, for a local test broker only. */
  allowPlainWithoutTls?: boolean;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  security?: KafkaSecurity;
}

export function createKafka({ brokers, clientId, logger, security = {} }: KafkaClientOptions): Kafka {
  const refusal = plainWithoutTlsRefusal(security);
  if (refusal) throw new Error(refusal);
  return new Kafka({
    brokers,
    clientId,
    // A busy two-core machine can take longer than kafkajs' default 1 s to accept a connection.
    connectionTimeout: 3_000,
    // Backoff sums to ~25 s: long enough to ride out a leader failover (~6.5 s) or a broker restart.
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 30_000 },
    ...(security.tls ? { ssl: security.tls } : {}),
    ...(security.sasl ? { sasl: security.sasl as SASLOptions } : {}),
    ...(logger ? { logLevel: logLevel.INFO, logCreator: () => bridgeTo(logger) } : {}),
  });
}

/** Why these settings are refused, if they are: SASL PLAIN over a connection without TLS, not explicitly allowed. */
export function plainWithoutTlsRefusal({ tls, sasl, allowPlainWithoutTls }: KafkaSecurity): string | undefined {
  if (sasl?.mechanism !== "plain" || tls || allowPlainWithoutTls) return undefined;
  return (
    "SASL PLAIN sends the password as it is, so without TLS anyone on the network between dibs and the brokers can read it " +
    "and then produce issue requests as dibs: turn TLS on (KAFKA_TLS=true) or use scram-sha-512. " +
    "KAFKA_SASL_ALLOW_PLAIN_WITHOUT_TLS=true allows it, for a local test broker only"
  );
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
