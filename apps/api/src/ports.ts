import type { MessageTrace } from "@dibs/contracts";
import type {
  CampaignAction,
  Coupon,
  CouponCatalog,
  CouponMode,
  CouponView,
  Decision,
  EntryProgress,
  IssueRequest,
  IssueRequestPublisher,
  PublishedLottery,
} from "@dibs/domain";
import type { DeadLetterListing, PartitionLag, Reconciliation, ReplayReport } from "@dibs/ops";
import type { SaleWatch } from "./sale-watch.ts";

/** What Postgres says about one decided request. */
export interface DecisionView {
  requestId: string;
  couponId: string;
  userId: string;
  decision: Decision;
  reason: string | null;
  acceptedAt: Date;
  decidedAt: Date;
  /** A pre-queue entry's place in the drawn order; absent or null for any other request. */
  position?: number | null;
}

export interface HeldCoupon {
  couponId: string;
  name: string;
  requestId: string;
  issuedAt: Date;
}

export interface IssueQueries {
  findDecision(requestId: string): Promise<DecisionView | null>;
  /** Whether the request is an entry of a pre-queue not drawn yet. */
  isPrequeued(requestId: string): Promise<boolean>;
  /** The decisions that exist of these requests, in one query. */
  findDecisions(requestIds: readonly string[]): Promise<DecisionView[]>;
  couponsHeldBy(userId: string): Promise<HeldCoupon[]>;
}

export interface NewCoupon {
  name: string;
  mode: CouponMode;
  stock: number;
  perUserLimit: number;
  startsAt: Date | null;
  endsAt: Date | null;
  /** A pre-queue of this many seconds before startsAt; none when absent or null. */
  prequeueSeconds?: number | null;
}

/** How far the issue order departs from the order in which the API accepted the requests. */
export interface Fairness {
  soldOut: number;
  /** SOLD_OUT requests accepted before the last ISSUED one: someone later got what they did not. */
  overtaken: number;
  overtakenShare: number;
  /** The largest such gap between acceptance times. */
  largestGapMs: number;
}

export interface CouponSummary extends Coupon {
  decisions: Record<Decision, number>;
  /** Decisions recorded over the last 10 seconds, per second. */
  decisionsPerSecond: number;
  fairness: Fairness;
}

export interface CouponPage {
  items: Coupon[];
  nextCursor: string | null;
}

export interface IssueRow {
  seq: number;
  userId: string;
  requestId: string;
  issuedAt: Date;
}

/** Every change is made by someone: `actor` is the admin's user id, written to the audit. */
export interface CouponAdmin {
  create(coupon: NewCoupon, actor: string): Promise<Coupon>;
  list(limit: number, cursor: string | null): Promise<CouponPage>;
  summary(couponId: string): Promise<CouponSummary | null>;
  /** Null when the coupon does not exist. */
  control(couponId: string, action: CampaignAction, actor: string, at: Date): Promise<Coupon | null>;
  /** Applies once per operation id; `applied` is false for a retry of an applied operation. */
  addStock(couponId: string, add: number, operationId: string, actor: string): Promise<{ coupon: Coupon; applied: boolean } | null>;
  /** The coupon's issues in issue order, a page at a time. */
  issues(couponId: string): AsyncIterable<IssueRow[]>;
  /** What anyone needs to check a lottery: the secret's hash, the secret and the seed once drawn, the entrants and the winners. */
  lottery(couponId: string): Promise<LotteryView | null>;
  /** Draws the winners of an ended lottery: entries become ISSUED or SOLD_OUT (NOT_DRAWN), once. */
  draw(couponId: string, actor: string, at: Date): Promise<LotteryView | null>;
  /** What anyone needs to check a pre-queue's order: its commitment, and once drawn the secret, seed, entrants and order. */
  prequeue(couponId: string): Promise<PrequeueView | null>;
  /** Draws a pre-queue's order and decides its entries in it, once; null when the coupon has no pre-queue. */
  drawPrequeue(couponId: string, at: Date): Promise<PrequeueView | null>;
  /** Coupons whose pre-queue is undrawn and whose start was at least `settleMs` before `at`. */
  duePrequeues(at: Date, settleMs: number): Promise<string[]>;
}

export interface PrequeueView {
  couponId: string;
  seedHash: string;
  opensAt: Date;
  startsAt: Date;
  /** Null until the draw reveals them. */
  secret: string | null;
  entrantsHash: string | null;
  seed: string | null;
  drawnAt: Date | null;
  /** The entrants' user ids, sorted; empty until the draw. */
  entrants: string[];
  /** The entrants in the drawn order: drawWinners(entrants, seed, entrants.length). */
  order: string[];
}

export interface LotteryView {
  couponId: string;
  seedHash: string;
  /** Null until the draw reveals them. */
  secret: string | null;
  entrantsHash: string | null;
  seed: string | null;
  drawnAt: Date | null;
  stock: number;
  entrants: string[];
  winners: string[];
}

/** Whose Idempotency-Key, for which coupon. */
export interface IdempotencyScope {
  userId: string;
  couponId: string;
  key: string;
}

/** Maps a client's Idempotency-Key to the request it first sent under it. */
export interface IdempotencyKeys {
  find(scope: IdempotencyScope): Promise<IssueRequest | null>;
  /** Records `request` under the scope unless one is there already; answers the one there now. */
  claim(scope: IdempotencyScope, request: IssueRequest): Promise<IssueRequest>;
}

/** Tells every API instance that a coupon changed, so cached views are dropped at once. */
export interface CouponChanges {
  announce(couponId: string): Promise<void>;
}

/** The issuer's announcements of recorded decisions, heard by this instance. */
export interface DecisionFeed {
  onDecided(listener: (requestIds: readonly string[]) => void): void;
}

/** Where a pending request stands in its coupon's line. */
export interface Standing {
  /** The n-th request for the coupon. */
  position: number;
  /** Requests before it still undecided. */
  ahead: number;
  /** The coupon's stock not issued yet; null while the gate holds no state for it. */
  remaining: number | null;
}

/**
 * The coupons' lines of pending requests (Redis). Best effort: a request is decided whether or not it has a place, so
 * an outage of the line never refuses one.
 */
interface QueueLine {
  /** Places the requests in their coupons' lines in this order; one already placed (a retry) keeps its place. */
  join(entries: ReadonlyArray<{ requestId: string; couponId: string }>): Promise<Map<string, Standing>>;
  /** The standings of those of the requests still in the coupon's line. */
  standings(couponId: string, requestIds: readonly string[]): Promise<Map<string, Standing>>;
  /** The coupon whose line the request joined, if it joined one. */
  couponOf(requestId: string): Promise<string | null>;
  /** How many requests ever joined the coupon's line, and how many of them are still undecided. */
  depth(couponId: string): Promise<{ joined: number; waiting: number }>;
}

/** Operator tools: reconciliation, repair, dead letters. */
export interface Operations {
  reconcile(couponId: string): Promise<(Reconciliation & { consumerLag: PartitionLag[] }) | null>;
  repair(couponId: string): Promise<{ repaired: string[]; remaining: string[] } | null>;
  /** Rebuilds the coupon's gate from Postgres, after Postgres decided requests the gate did not (a pre-queue's draw). */
  rebuildGate(couponId: string): Promise<void>;
  /** The latest dead letters of each partition, and how many the topic holds. */
  deadLetters(): Promise<DeadLetterListing>;
  /**
   * Where the issuer group stands on the partition that carries the coupon's requests, against that partition's end
   * offset as read when asked; waits a moment for the group to get there.
   */
  entryProgress(couponId: string): Promise<EntryProgress>;
  replay(selection: { ids?: string[] | undefined; all?: boolean | undefined }): Promise<ReplayReport & { missing: string[] }>;
}

/** A coupon as the API's catalog holds it: for a lottery or a pre-queue, with what its draw publishes. */
export interface CatalogCoupon extends CouponView {
  lottery: PublishedLottery | null;
  prequeue: PublishedLottery | null;
}

/** The coupon catalog as the API keeps it: what it holds in memory can be read without waiting. */
export interface CachedCatalog extends CouponCatalog {
  find(couponId: string): Promise<CatalogCoupon | null>;
  /** How many are issued as the API last saw it: the gate's count or Postgres', whichever is ahead. */
  issued(couponId: string): Promise<number>;
  /** The coupon as last loaded, while fresh; null for a coupon known not to exist; undefined when not in memory. */
  cachedView(couponId: string): CouponView | null | undefined;
  /**
   * Drops what is cached of a coupon that just changed. The instance that made the change calls it at once; the
   * others hear of it through CouponChanges, whose message can reach even this instance after its next request.
   */
  forget(couponId: string): void;
}

/** Publishes with the trace of the HTTP request that asked, for the issuer's log lines to follow. */
export interface TracedPublisher extends IssueRequestPublisher<MessageTrace> {
  /**
   * `resent`: the request was accepted earlier and is sent again (a client's retry under its Idempotency-Key): its
   * deadline runs from now. A lottery entry resent after its draw read the entries is recorded REJECTED (COUPON_ENDED).
   */
  publish(request: IssueRequest, trace: MessageTrace, options?: { resent?: boolean }): Promise<void>;
  /**
   * Every request is answered within this long of its `acceptedAt`: acknowledged by Kafka, or refused with 503 (sent
   * late only if its send was already under way). Every API instance is configured alike (PUBLISH_TIMEOUT_MS), so this
   * instance's deadline is everyone's.
   */
  readonly answerDeadlineMs: number;
}

export interface ApiDeps {
  catalog: CachedCatalog;
  publisher: TracedPublisher;
  queries: IssueQueries;
  admin: CouponAdmin;
  changes: CouponChanges;
  decisions: DecisionFeed;
  operations: Operations;
  idempotency: IdempotencyKeys;
  saleWatch: SaleWatch;
  line: QueueLine;
  readiness: Record<string, () => Promise<void>>;
}
