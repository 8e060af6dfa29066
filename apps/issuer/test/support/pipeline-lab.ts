import type { Coupon, DecidedRequest, IssueGate, IssueRequest, IssueStore } from "@dibs/domain";
import { aCoupon as aDomainCoupon, InMemoryIssueGate, InMemoryIssueStore } from "@dibs/domain/testing";
import pino from "pino";
import { BatchPipeline, type ConsumerControl, type DeadLetter, type PartitionBatch, type PipelineSettings } from "../../src/batch-pipeline.ts";
import type { DecisionNotifier } from "../../src/decision-follow-ups.ts";
import { isTransient } from "../../src/failures.ts";
import type { IncomingMessage } from "../../src/incoming-message.ts";

let sequence = 0;

export function aCoupon(stock: number, overrides: Partial<Coupon> = {}): Coupon {
  return aDomainCoupon({ stock, ...overrides });
}

export function aRequest(couponId: string, userId: string): IssueRequest {
  sequence += 1;
  return { requestId: `request-${sequence}`, couponId, userId, acceptedAt: new Date("2026-01-01T00:00:00Z") };
}

type Commit = (partition: number, offset: string) => Promise<void>;

/** What the consumer was asked to do, in order; `commits` holds the commits that returned. */
class RecordingControl implements ConsumerControl {
  readonly calls: string[] = [];
  readonly commits: Array<{ partition: number; offset: string }> = [];
  /** The most commits of one partition that were ever out at once. */
  mostCommitsOut = 0;
  private readonly out = new Map<number, number>();
  private readonly committing: Commit;

  constructor(committing: Commit) {
    this.committing = committing;
  }

  async commit(partition: number, offset: string): Promise<void> {
    this.calls.push(`commit ${partition}@${offset}`);
    const out = (this.out.get(partition) ?? 0) + 1;
    this.out.set(partition, out);
    this.mostCommitsOut = Math.max(this.mostCommitsOut, out);
    try {
      await this.committing(partition, offset);
      this.commits.push({ partition, offset });
    } finally {
      this.out.set(partition, this.out.get(partition)! - 1);
    }
  }
  pause(partition: number): void {
    this.calls.push(`pause ${partition}`);
  }
  resume(partition: number): void {
    this.calls.push(`resume ${partition}`);
  }
  rewind(partition: number, offset: string): void {
    this.calls.push(`rewind ${partition}@${offset}`);
  }
  committed(partition: number): string[] {
    return this.commits.filter((c) => c.partition === partition).map((c) => c.offset);
  }
}

/** Offsets per partition, as Kafka would give them. */
const nextOffsets = new Map<number, number>();

/** A batch of `requests` (and of unreadable values, as strings) on one partition, with consecutive offsets. */
export function aBatch(partition: number, items: ReadonlyArray<IssueRequest | string>): PartitionBatch {
  let offset = nextOffsets.get(partition) ?? 0;
  const messages: IncomingMessage[] = items.map((item) => {
    const raw = { offset: String(offset++), key: null, value: Buffer.from(typeof item === "string" ? item : JSON.stringify(item)), headers: {} };
    return typeof item === "string" ? { raw, trace: {}, unreadable: `not JSON: ${item}` } : { raw, trace: {}, request: item };
  });
  nextOffsets.set(partition, offset);
  return { partition, messages, nextOffset: String(offset) };
}

export interface LabOptions {
  gate?: (gate: IssueGate) => IssueGate;
  store?: (store: IssueStore) => IssueStore;
  dependenciesAnswer?: () => Promise<boolean>;
  settings?: Partial<PipelineSettings>;
  /** What the consumer does to commit (by default, it just does). */
  commit?: Commit;
  notify?: (decided: readonly DecidedRequest[]) => Promise<void>;
}

/** The pipeline over the in-memory gate and store, a recording consumer and dead-letter sink. */
export function pipelineLab(coupons: Coupon[], options: LabOptions = {}) {
  const store = new InMemoryIssueStore();
  for (const coupon of coupons) store.addCoupon(coupon);
  const gate = new InMemoryIssueGate();
  const control = new RecordingControl(options.commit ?? (async () => undefined));
  const deadLetters: DeadLetter[] = [];
  const decided: string[] = [];
  const pipeline = new BatchPipeline({
    gate: options.gate ? options.gate(gate) : gate,
    store: options.store ? options.store(store) : store,
    deadLetters: { publish: async (letters) => void deadLetters.push(...letters) },
    notifier: notifierOver(gate, options.notify ?? (async () => undefined)),
    control,
    retry: { isTransient, dependenciesAnswer: options.dependenciesAnswer ?? (async () => true), backoffMs: () => 5 },
    metrics: { decided: (recorded) => void decided.push(...recorded.map((r) => r.requestId)), deadLettered: () => undefined },
    log: pino({ level: "silent" }),
    settings: {
      patienceMs: 200,
      isolationPatienceMs: 50,
      mergedBatchMessages: 100,
      waitingMessagesPerPartition: 2,
      waitingFollowUpDecisions: 100,
      offsetCommitIntervalMs: 0,
      stopGraceMs: 1_000,
      ...options.settings,
    },
  });
  return { pipeline, store, gate, control, deadLetters, decided };
}

/** A promise the test settles when it wants: a call that hangs until released. */
export function aHold(): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  return { held, release };
}

/** The Redis notifier's part, over the in-memory gate: `notify` hears the notice, then the gate lets the verdicts go. */
function notifierOver(gate: IssueGate, notify: (decided: readonly DecidedRequest[]) => Promise<void>): DecisionNotifier {
  return {
    recorded: async (decided) => {
      await notify(decided);
      for (const d of decided) await gate.forget(d.couponId, [d.requestId]);
    },
  };
}

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the pipeline");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An error shaped as the Postgres driver reports one (Prisma's P2010 with the SQLSTATE underneath). */
export function postgresError(sqlState: string, message: string): Error {
  return Object.assign(new Error(`Raw query failed. Code: \`${sqlState}\`. Message: \`${message}\``), {
    name: "PrismaClientKnownRequestError",
    code: "P2010",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: sqlState, originalMessage: message } } },
  });
}
