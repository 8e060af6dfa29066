import type { Coupon } from "./coupon.ts";
import type { DecidedRequest, Verdict } from "./decision.ts";
import type { IssueRequest } from "./issue-request.ts";

/** The API's view of a coupon: possibly a little stale, which is why the issuer decides again. */
export interface CouponView extends Coupon {
  soldOut: boolean;
}

export interface CouponCatalog {
  find(couponId: string): Promise<CouponView | null>;
}

/**
 * Resolves only once the request is durably stored (Kafka acks = all); rejects with UnavailableError otherwise.
 * `trace` is whatever the adapter carries along with the request (the API's W3C trace); the domain only passes it on.
 */
export interface IssueRequestPublisher<Trace> {
  publish(request: IssueRequest, trace: Trace): Promise<void>;
}

/** How many of a coupon one user holds. */
export interface Holding {
  userId: string;
  count: number;
}

/**
 * What the gate is rebuilt from: the coupon and who holds it, as Postgres has them. Verdicts are not part of it: a
 * request Postgres has decided is never asked of the gate again (see IssueStore.findDecided).
 */
export interface CouponLedger {
  coupon: Coupon;
  /** The generation of the gate this ledger builds (Postgres' `gate_epoch` when it was read). */
  epoch: number;
  /** The holders, a bounded page at a time: a coupon may have millions. */
  holdings(): AsyncIterable<Holding[]>;
}

/** The gate's verdicts on a batch of one coupon, and the generation of the gate state that gave them. */
export interface GateVerdicts {
  verdicts: Verdict[];
  epoch: number;
}

/** What the gate is told of a coupon on every call: Postgres' stock and limit are the ones that count. */
export type GateLimits = Pick<Coupon, "id" | "stock" | "perUserLimit" | "endsAt">;

/**
 * The fast first decision (Redis): atomic per coupon, and idempotent per request id for as long as the request may be
 * asked again before Postgres has recorded it (a redelivered batch).
 */
export interface IssueGate {
  /** Verdicts in the order of `requests`, or null when the gate holds no state for the coupon. */
  decide(coupon: GateLimits, requests: readonly IssueRequest[]): Promise<GateVerdicts | null>;
  /** Replaces the coupon's state with the ledger's, unless the gate already holds a later generation. */
  rebuild(ledger: CouponLedger): Promise<void>;
  /** Drops the verdicts of requests Postgres has recorded: asked again, they are answered from Postgres. */
  forget(couponId: string, requestIds: readonly string[]): Promise<void>;
}

export interface RecordOutcome {
  /**
   * Coupons on which Postgres disagreed with the gate. The batch was then not recorded, or only a first part of it
   * (see record): decide it again on a gate rebuilt from Postgres, which replays what was recorded.
   */
  conflicts: string[];
  /**
   * Coupons whose gate was rebuilt since it decided the batch (the verdicts' epoch is not Postgres' any more). Nothing
   * of the batch was recorded: decide it again at the gate, which another issuer has rebuilt or is rebuilding.
   */
  staleGates: string[];
  /** What Postgres holds for each request after the write: the final word. */
  recorded: DecidedRequest[];
}

/** A batch to record: the decisions, the lottery entries, and the gate generation each coupon was decided under. */
export interface RecordBatch {
  decided: readonly DecidedRequest[];
  entries?: readonly IssueRequest[];
  /**
   * Per coupon with decisions from the gate (all but REJECTED), the `epoch` of the verdicts. A coupon whose gate was
   * rebuilt since (by any issuer) is a conflict: its verdicts may rest on state the rebuild did not keep.
   */
  gateEpochs?: ReadonlyMap<string, number>;
}

/** What the issuer reads of Postgres before it gates a batch. */
export interface BatchReading {
  coupons: Map<string, Coupon>;
  /** Those of the batch's requests Postgres has decided already (a redelivery, a replay). */
  decided: Map<string, DecidedRequest>;
}

/** The durable record (Postgres): its constraints are the final authority. */
export interface IssueStore {
  /** The batch's coupons and those of its requests Postgres has decided, read together. */
  readBatch(couponIds: readonly string[], requestIds: readonly string[]): Promise<BatchReading>;
  /** How many distinct users have entered each coupon's pre-queue so far. */
  prequeueEntrants(couponIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Records every decision, and every lottery entry, in one transaction; a large batch may take two, the later half
   * committing only after the earlier one, so a decision is never recorded without those of the requests before it.
   * A user's second entry into a lottery is recorded as DUPLICATE, and an entry into a lottery drawn meanwhile as
   * REJECTED (COUPON_ENDED), each returned with the rest.
   */
  record(batch: RecordBatch): Promise<RecordOutcome>;
  /** Those of the requests Postgres has decided, with their decisions: a redelivery or replay of them. */
  findDecided(requestIds: readonly string[]): Promise<Map<string, DecidedRequest>>;
  /** What Postgres holds of a coupon now, for reading (reconcile, checks). */
  ledger(couponId: string): Promise<CouponLedger | null>;
  /**
   * Starts a new generation of the coupon's gate: advances its epoch and returns the ledger to build it from, read
   * after every batch recorded under the generation before. From then on Postgres refuses batches of older ones.
   */
  ledgerForRebuild(couponId: string): Promise<CouponLedger | null>;
}
