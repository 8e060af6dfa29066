import {
  type DecidedRequest,
  decideIssueRequests,
  type GatedBatch,
  gateIssueRequests,
  type IssueGate,
  type IssueRequest,
  type IssueStore,
  rebuildGates,
  recordGatedBatch,
  storableUserId,
} from "@dibs/domain";
import type { Logger } from "pino";
import { DecisionFollowUps, type DecisionNotifier } from "./decision-follow-ups.ts";
import { logDecisions } from "./decision-log.ts";
import { AbandonedError, DeterministicFailure, type RetryPolicy, retryTransient } from "./failures.ts";
import type { IncomingMessage, RawMessage } from "./incoming-message.ts";
import { OffsetCommitter } from "./offset-committer.ts";

/** What the consumer hands over: the messages of one partition, in offset order. */
export interface PartitionBatch {
  partition: number;
  messages: readonly IncomingMessage[];
  /** Committed once the batch is decided: the offset after its last message. */
  nextOffset: string;
}

/** What the pipeline asks of the consumer that feeds it (kafkajs in the issuer, a fake in the tests). */
export interface ConsumerControl {
  commit(partition: number, nextOffset: string): Promise<void>;
  /** Stop fetching the partition for now: its lane holds as many messages as it may. */
  pause(partition: number): void;
  resume(partition: number): void;
  /** Fetch the partition again from `offset` (a batch there was not decided); resumes it too. */
  rewind(partition: number, offset: string): void;
}

export type DeadLetterKind = "poison" | "unknown_coupon" | "unprocessable";

export interface DeadLetter {
  kind: DeadLetterKind;
  partition: number;
  message: RawMessage;
  reason: string;
}

/** Where messages that cannot be decided are parked, with why and where they came from. */
export interface DeadLetterSink {
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

export interface PipelineMetrics {
  decided(recorded: readonly DecidedRequest[]): void;
  deadLettered(kind: DeadLetterKind, count: number): void;
}

export interface PipelineSettings {
  /** How long a batch may fail transiently while Redis and Postgres answer before its requests are isolated. */
  patienceMs: number;
  /** The same for each step of the isolation, which runs on ever smaller parts of one batch. */
  isolationPatienceMs: number;
  /** A batch waiting to be taken in absorbs the partition's next batches while it stays within this many messages. */
  mergedBatchMessages: number;
  /**
   * Messages a partition may have waiting to be taken in before it is paused. A lane is not paused for being busy, only
   * for falling this far behind: a paused partition is fetched again only after the fetch then waiting returns.
   */
  waitingMessagesPerPartition: number;
  /**
   * Recorded decisions a partition may have waiting for their notice and the gate's forget while one is out; past
   * that, its lane records nothing more until the follow-up returns.
   */
  waitingFollowUpDecisions: number;
  /** The least time between two offset commits of a partition. */
  offsetCommitIntervalMs: number;
  /** How long stop() lets batches being recorded finish before it abandons them. */
  stopGraceMs: number;
}

export interface PipelineDeps {
  gate: IssueGate;
  store: IssueStore;
  deadLetters: DeadLetterSink;
  notifier: DecisionNotifier;
  control: ConsumerControl;
  retry: Omit<RetryPolicy, "onRetry">;
  metrics: PipelineMetrics;
  log: Logger;
  settings: PipelineSettings;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  patienceMs: 5_000,
  isolationPatienceMs: 1_000,
  mergedBatchMessages: 5_000,
  waitingMessagesPerPartition: 20_000,
  waitingFollowUpDecisions: 20_000,
  offsetCommitIntervalMs: 100,
  stopGraceMs: 10_000,
};

/** A batch of the lane not yet taken in: the batches handed in meanwhile are merged into it while it has room. */
interface WaitingBatch {
  partition: number;
  messages: IncomingMessage[];
  nextOffset: string;
}

/**
 * What outlives a partition's lanes: its offset commits and its decisions' follow-ups, one of each out at a time
 * however often the partition's lane is replaced.
 */
interface PartitionSettling {
  commits: OffsetCommitter;
  followUps: DecisionFollowUps;
}

/**
 * The lane of one partition: its batches are gated one after the other, and recorded in order. It takes in a batch
 * while the one before is recorded; whatever comes in meanwhile waits, merged into as few batches as fit. A recorded
 * batch's offset commit, notice and forget go on beside the next batch.
 */
interface Lane extends PartitionSettling {
  partition: number;
  /** Settles once the last batch taken in is gated. */
  gated: Promise<unknown>;
  /** Settles once the last batch taken in is recorded and its dead letters published, or given up. */
  recorded: Promise<unknown>;
  /** Batches taken in and not yet recorded or given up. */
  unrecorded: number;
  /** What has come in since the lane was last ready to take a batch in, oldest first. */
  waiting: WaitingBatch[];
  waitingMessages: number;
  paused: boolean;
  /** Aborted when the lane's batches are no longer this issuer's to decide. */
  abandon: AbortController;
  /** While the lane isolates a batch's faulty requests, no later batch may be gated: it would jump the queue. */
  isolating: Promise<void> | undefined;
}

/** Batches a lane takes in at a time: one recorded while the next is gated. */
const BATCHES_TAKEN_IN = 2;

type Gated = { ok: true; batch: GatedBatch } | { ok: false; failure: DeterministicFailure };

/** What deciding a batch came to: Postgres' decisions, and what goes to the dead-letter topic. */
interface Decided {
  recorded: DecidedRequest[];
  unknownCoupon: IssueRequest[];
  /** Requests that made deciding fail every time, set aside (REJECTED, UNPROCESSABLE) with the error. */
  setAside: Array<{ request: IssueRequest; reason: string }>;
}

/**
 * The issuer's batch pipeline. Per partition, a batch is gated (Redis) while the one before it is recorded
 * (Postgres), then recorded, strictly in order; offsets are committed in order behind the records. Transient failures
 * are retried; a batch that fails for any other reason is split until the requests at fault are found, which are
 * decided REJECTED (UNPROCESSABLE) and dead-lettered, while every other request is decided as usual. A partition that
 * is retrying only stops itself: what comes in meanwhile waits, and once too much waits the consumer pauses the
 * partition and fetches the others.
 */
export class BatchPipeline {
  private readonly lanes = new Map<number, Lane>();
  private readonly settling = new Map<number, PartitionSettling>();
  private stopping = false;
  private readonly retry: RetryPolicy;

  private readonly deps: PipelineDeps;

  constructor(deps: PipelineDeps) {
    this.deps = deps;
    this.retry = {
      ...deps.retry,
      onRetry: (error, attempt, delayMs) => deps.log.warn({ err: error, attempt, delayMs }, "transient failure, retrying"),
    };
  }

  /**
   * Takes a batch of a partition; the consumer moves on to the next fetch at once. While the lane is busy, the batches
   * of the partition are merged into those that wait: a busy partition is decided in larger batches, not paused.
   */
  accept(batch: PartitionBatch): void {
    if (this.stopping || batch.messages.length === 0) return;
    const lane = this.laneOf(batch.partition);
    const last = lane.waiting.at(-1);
    if (last && last.messages.length + batch.messages.length <= this.deps.settings.mergedBatchMessages) {
      for (const message of batch.messages) last.messages.push(message);
      last.nextOffset = batch.nextOffset;
    } else if (!last && lane.unrecorded < BATCHES_TAKEN_IN) {
      this.takeIn(lane, batch);
      return;
    } else {
      lane.waiting.push({ partition: batch.partition, messages: [...batch.messages], nextOffset: batch.nextOffset });
    }
    lane.waitingMessages += batch.messages.length;
    if (!lane.paused && lane.waitingMessages >= this.deps.settings.waitingMessagesPerPartition) {
      lane.paused = true;
      this.deps.control.pause(lane.partition);
    }
  }

  /** Gates the batch after the lane's last, records it after the lane's last, then takes in what waits. */
  private takeIn(lane: Lane, batch: PartitionBatch): void {
    const { signal } = lane.abandon;
    lane.unrecorded += 1;
    const gated = lane.gated.then(() => this.gate(lane, batch, signal));
    const recorded = Promise.all([gated, lane.recorded]).then(([done]) => this.record(lane, batch, done, signal));
    lane.gated = gated.catch(() => undefined);
    lane.recorded = recorded.catch((error) => this.notRecorded(lane, batch, error));
    void lane.recorded.finally(() => {
      lane.unrecorded -= 1;
      if (lane.waiting.length === 0 || signal.aborted || this.stopping) return;
      const waiting = lane.waiting.shift()!;
      lane.waitingMessages -= waiting.messages.length;
      if (lane.paused && lane.waitingMessages < this.deps.settings.waitingMessagesPerPartition) {
        lane.paused = false;
        this.deps.control.resume(lane.partition);
      }
      this.takeIn(lane, waiting);
    });
  }

  /**
   * After a rebalance, the consumer fetches every partition it holds again from its committed offset: what was
   * handed in before is dropped, and each new lane starts once its predecessor's batches are recorded or given up.
   */
  restart(): void {
    for (const [partition, lane] of this.lanes) {
      lane.abandon.abort();
      if (lane.paused) this.deps.control.resume(partition);
      this.lanes.set(partition, this.newLane(partition, lane.recorded));
    }
  }

  /**
   * Lets batches being recorded finish, and their offsets and follow-ups go out (for a while), and starts nothing new;
   * then abandons what is left, which commits nothing more and comes again to the partitions' next owner. A call still
   * hanging on a dependency is not waited for.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.settled(), new Promise((resolve) => (timer = setTimeout(resolve, this.deps.settings.stopGraceMs)))]);
    clearTimeout(timer);
    for (const lane of this.lanes.values()) lane.abandon.abort();
  }

  private async settled(): Promise<void> {
    await Promise.allSettled([...this.lanes.values()].map((lane) => lane.recorded));
    await Promise.all([...this.settling.values()].flatMap(({ commits, followUps }) => [commits.idle(), followUps.idle()]));
  }

  private laneOf(partition: number): Lane {
    let lane = this.lanes.get(partition);
    if (!lane) {
      lane = this.newLane(partition, Promise.resolve());
      this.lanes.set(partition, lane);
    }
    return lane;
  }

  private newLane(partition: number, after: Promise<unknown>): Lane {
    return {
      ...this.settlingOf(partition),
      partition,
      gated: after,
      recorded: after,
      unrecorded: 0,
      waiting: [],
      waitingMessages: 0,
      paused: false,
      abandon: new AbortController(),
      isolating: undefined,
    };
  }

  private settlingOf(partition: number): PartitionSettling {
    let settling = this.settling.get(partition);
    if (!settling) {
      const { control, notifier, log, settings } = this.deps;
      settling = {
        commits: new OffsetCommitter(partition, (p, offset) => control.commit(p, offset), log, settings.offsetCommitIntervalMs),
        followUps: new DecisionFollowUps({ notifier, log, waitingDecisions: settings.waitingFollowUpDecisions }),
      };
      this.settling.set(partition, settling);
    }
    return settling;
  }

  private async gate(lane: Lane, batch: PartitionBatch, signal: AbortSignal): Promise<Gated> {
    while (lane.isolating) await lane.isolating;
    if (this.stopping) throw new AbandonedError();
    try {
      const gated = await retryTransient(() => gateIssueRequests(requestsOf(batch), this.deps), this.retry, this.deps.settings.patienceMs, signal);
      return { ok: true, batch: gated };
    } catch (error) {
      if (error instanceof DeterministicFailure) return { ok: false, failure: error };
      throw error;
    }
  }

  private async record(lane: Lane, batch: PartitionBatch, gated: Gated, signal: AbortSignal): Promise<void> {
    const log = this.deps.log.child({ partition: batch.partition, firstOffset: batch.messages[0]!.raw.offset, nextOffset: batch.nextOffset });
    let decided: Decided;
    if (gated.ok) {
      if (gated.batch.rebuilt.length > 0) log.warn({ coupons: gated.batch.rebuilt }, "gate state rebuilt from Postgres");
      try {
        const outcome = await retryTransient(() => recordGatedBatch(gated.batch, this.deps), this.retry, this.deps.settings.patienceMs, signal);
        if (outcome.rebuilt.length > gated.batch.rebuilt.length) log.warn({ coupons: outcome.rebuilt }, "gate state rebuilt from Postgres");
        decided = { ...outcome, setAside: [] };
      } catch (error) {
        if (!(error instanceof DeterministicFailure)) throw error;
        decided = await this.isolate(lane, requestsOf(batch), error, signal, log);
      }
    } else {
      decided = await this.isolate(lane, requestsOf(batch), gated.failure, signal, log);
    }
    await this.settle(lane, batch, decided, signal, log);
  }

  /**
   * Parks what could not be decided, then hands the batch's offset to the partition's committer and its decisions to
   * the partition's follow-ups: the next batch is recorded while they go out.
   */
  private async settle(lane: Lane, batch: PartitionBatch, decided: Decided, signal: AbortSignal, log: Logger): Promise<void> {
    const messageOf = messagesByRequest(batch);
    const letters: DeadLetter[] = [
      ...batch.messages.flatMap((m) =>
        "unreadable" in m ? [{ kind: "poison" as const, partition: batch.partition, message: m.raw, reason: m.unreadable }] : [],
      ),
      ...decided.unknownCoupon.map((r) => ({
        kind: "unknown_coupon" as const,
        partition: batch.partition,
        message: messageOf(r).raw,
        reason: `unknown coupon ${r.couponId}`,
      })),
      ...decided.setAside.map(({ request, reason }) => ({
        kind: "unprocessable" as const,
        partition: batch.partition,
        message: messageOf(request).raw,
        reason: `unprocessable: ${reason}`,
      })),
    ];
    // Dead letters before the offset: once it moves, the batch's messages are not read again.
    await retryTransient(() => this.deps.deadLetters.publish(letters), this.retry, Number.POSITIVE_INFINITY, signal);
    this.deps.metrics.decided(decided.recorded);
    for (const kind of ["poison", "unknown_coupon", "unprocessable"] as const)
      this.deps.metrics.deadLettered(kind, letters.filter((l) => l.kind === kind).length);
    logDecisions(log, decided.recorded, messageOf);
    // The offset moves only after Postgres committed; the committer drops it if the lane is abandoned before it goes
    // out, and the batch is decided again by the partition's owner.
    lane.commits.recorded(batch.nextOffset, signal);
    await lane.followUps.add(decided.recorded);
  }

  /** A batch that failed for a reason of its own: decide it again piece by piece, setting aside what keeps failing. */
  private async isolate(lane: Lane, requests: IssueRequest[], failure: DeterministicFailure, signal: AbortSignal, log: Logger): Promise<Decided> {
    log.warn({ err: failure, requests: requests.length }, "deciding the batch failed for a reason of its own: finding the requests at fault");
    let isolated!: () => void;
    lane.isolating = new Promise((resolve) => (isolated = resolve));
    try {
      await this.rebuildGatesOf(requests, signal);
      const decided = await this.bisect(requests, signal, log);
      log.warn({ setAside: decided.setAside.map((s) => s.request.requestId) }, "requests at fault set aside; the rest of the batch is decided");
      return decided;
    } finally {
      lane.isolating = undefined;
      isolated();
    }
  }

  private async bisect(requests: IssueRequest[], signal: AbortSignal, log: Logger): Promise<Decided> {
    if (requests.length === 0) return { recorded: [], unknownCoupon: [], setAside: [] };
    try {
      const outcome = await retryTransient(() => decideIssueRequests(requests, this.deps), this.retry, this.deps.settings.isolationPatienceMs, signal);
      return { ...outcome, setAside: [] };
    } catch (error) {
      if (!(error instanceof DeterministicFailure)) throw error;
      if (requests.length === 1) return this.setAside(requests[0]!, error, signal, log);
      // The failed attempt left its verdicts in the gate: drop them before the halves are decided.
      await this.rebuildGatesOf(requests, signal);
      const middle = Math.ceil(requests.length / 2);
      const earlier = await this.bisect(requests.slice(0, middle), signal, log);
      const later = await this.bisect(requests.slice(middle), signal, log);
      return {
        recorded: [...earlier.recorded, ...later.recorded],
        unknownCoupon: [...earlier.unknownCoupon, ...later.unknownCoupon],
        setAside: [...earlier.setAside, ...later.setAside],
      };
    }
  }

  /** Records the request REJECTED (UNPROCESSABLE), so that its owner reads a final status, and undoes its verdict at the gate. */
  private async setAside(request: IssueRequest, failure: DeterministicFailure, signal: AbortSignal, log: Logger): Promise<Decided> {
    const rejection: DecidedRequest = { ...request, userId: storableUserId(request.userId), decision: "REJECTED", reason: "UNPROCESSABLE" };
    let recorded: DecidedRequest[] = [];
    try {
      const outcome = await retryTransient(() => this.deps.store.record({ decided: [rejection] }), this.retry, this.deps.settings.isolationPatienceMs, signal);
      recorded = outcome.recorded;
    } catch (error) {
      if (!(error instanceof DeterministicFailure)) throw error;
      log.error({ err: error, requestId: request.requestId }, "could not record the request as REJECTED either: it is only dead-lettered");
    }
    await this.rebuildGatesOf([request], signal);
    return { recorded, unknownCoupon: [], setAside: [{ request, reason: failure.message }] };
  }

  private async rebuildGatesOf(requests: readonly IssueRequest[], signal: AbortSignal): Promise<void> {
    const coupons = requests.map((r) => r.couponId);
    await retryTransient(() => rebuildGates(coupons, this.deps), this.retry, Number.POSITIVE_INFINITY, signal);
  }

  /**
   * A batch neither decided nor given up on purpose: a bug, or a gate that cannot be rebuilt. Its lane is abandoned, so
   * no later batch commits past it, and the partition is fetched again from it.
   */
  private notRecorded(lane: Lane, batch: PartitionBatch, error: unknown): void {
    if (error instanceof AbandonedError || lane.abandon.signal.aborted) return;
    const firstOffset = batch.messages[0]!.raw.offset;
    this.deps.log.error({ err: error, partition: batch.partition, firstOffset }, "a batch could not be decided: fetching its partition again from it");
    lane.abandon.abort();
    this.lanes.set(lane.partition, this.newLane(lane.partition, lane.recorded));
    this.deps.control.rewind(lane.partition, firstOffset);
  }
}

function requestsOf(batch: PartitionBatch): IssueRequest[] {
  return batch.messages.flatMap((m) => ("request" in m ? [m.request] : []));
}

function messagesByRequest(batch: PartitionBatch): (request: IssueRequest) => IncomingMessage {
  const byId = new Map(batch.messages.flatMap((m) => ("request" in m ? [[m.request.requestId, m] as const] : [])));
  return (request) => byId.get(request.requestId)!;
}
