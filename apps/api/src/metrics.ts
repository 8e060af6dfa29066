import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** What the API counts, in one registry per app: tests build as many apps as they like. */
export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status_code">;
  httpRequestDuration: Histogram<"method" | "route" | "status_code">;
  produceBatchSize: Histogram;
  produceAckDuration: Histogram<"outcome">;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "dibs_api_http_requests_total",
      help: "HTTP requests answered, by route template and status",
      labelNames: ["method", "route", "status_code"],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: "dibs_api_http_request_duration_seconds",
      help: "Time from receiving an HTTP request to answering it, by route template and status",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    produceBatchSize: new Histogram({
      name: "dibs_api_kafka_produce_batch_messages",
      help: "Issue requests gathered into one Kafka send",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    produceAckDuration: new Histogram({
      name: "dibs_api_kafka_produce_ack_duration_seconds",
      help: "Time from one Kafka send (acks = all) to its acknowledgement or failure",
      labelNames: ["outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
