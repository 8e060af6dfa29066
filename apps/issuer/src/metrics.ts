import type { DecidedRequest, IssueGate, IssueStore } from "@dibs/domain";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DeadLetterKind, PipelineMetrics } from "./batch-pipeline.ts";

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the issuer counts, in one registry per issuer: tests run several in one process. */
export class IssuerMetrics implements PipelineMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  private readonly decisions = new Counter({
    name: "dibs_issuer_decisions_total",
    help: "Issue requests decided, by decision, as Postgres recorded them",
    labelNames: ["decision"],
    registers: this.registers,
  });

  private readonly decisionLatency = new Histogram({
    name: "dibs_issuer_decision_latency_seconds",
    help: "Time from the API accepting an issue request to its decision being recorded",
    buckets: SECONDS_BUCKETS,
    registers: this.registers,
  });

  private readonly consumerLag = new Gauge({
    name: "dibs_issuer_consumer_lag_messages",
    help: "Messages behind the end of each partition this issuer consumes, after its last batch",
    labelNames: ["topic", "partition"],
    registers: this.registers,
  });

  private readonly transactionDuration = new Histogram({
    name: "dibs_issuer_db_transaction_duration_seconds",
    help: "Postgres transactions of the issue store, by operation",
    labelNames: ["operation"],
    buckets: SECONDS_BUCKETS,
    registers: this.registers,
  });

  private readonly scriptDuration = new Histogram({
    name: "dibs_issuer_redis_script_duration_seconds",
    help: "Redis gate scripts, by operation",
    labelNames: ["operation"],
    buckets: SECONDS_BUCKETS,
    registers: this.registers,
  });

  private readonly deadLetters = new Counter({
    name: "dibs_issuer_dead_letters_total",
    help: "Messages parked on the dead-letter topic, by kind",
    labelNames: ["kind"],
    registers: this.registers,
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  decided(recorded: readonly DecidedRequest[], now = Date.now()): void {
    for (const request of recorded) {
      this.decisions.inc({ decision: request.decision });
      this.decisionLatency.observe(Math.max(0, now - request.acceptedAt.getTime()) / 1000);
    }
  }

  deadLettered(kind: DeadLetterKind, count: number): void {
    if (count > 0) this.deadLetters.inc({ kind }, count);
  }

  lagged(topic: string, partition: number, lag: number): void {
    this.consumerLag.set({ topic, partition: String(partition) }, lag);
  }

  /** After a rebalance another member may own a partition: it reports that partition's lag from now on. */
  forgetLag(): void {
    this.consumerLag.reset();
  }

  /** The gate, with the time of each of its Redis scripts observed. */
  timedGate(gate: IssueGate): IssueGate {
    return timed(gate, ["decide", "rebuild"], this.scriptDuration);
  }

  /** The store, with the time of each of its Postgres transactions observed. */
  timedStore(store: IssueStore): IssueStore {
    return timed(store, ["record", "ledgerForRebuild"], this.transactionDuration);
  }
}

/** Wraps the named async methods, observing each call's duration under `operation`; everything else passes through. */
function timed<T extends object>(target: T, methods: ReadonlyArray<keyof T & string>, histogram: Histogram<"operation">): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || !methods.includes(property as keyof T & string)) return value;
      return async (...args: unknown[]) => {
        const stop = histogram.startTimer({ operation: property as string });
        try {
          return await value.apply(object, args);
        } finally {
          stop();
        }
      };
    },
  });
}
