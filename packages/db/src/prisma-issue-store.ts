import type {
  BatchReading,
  Coupon,
  CouponLedger,
  DecidedRequest,
  Decision,
  IssueRequest,
  IssueStore,
  RecordBatch,
  RecordOutcome,
  RejectionReason,
} from "@dibs/domain";
import { arrayLiteral } from "./array-literal.ts";
import { toCoupon, WITH_PAUSES } from "./coupon-row.ts";
import { Prisma, type PrismaClient } from "./generated/prisma/client.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Thrown inside the transaction to roll it back when Postgres disagrees with the gate. */
class LedgerConflict extends Error {
  readonly couponIds: string[];

  constructor(couponIds: string[]) {
    super("Postgres disagrees with the gate");
    this.couponIds = couponIds;
  }
}

/** Thrown inside the transaction to roll it back when a gate was rebuilt since it decided the batch. */
class StaleGates extends Error {
  readonly couponIds: string[];

  constructor(couponIds: string[]) {
    super("The gate was rebuilt since it decided the batch");
    this.couponIds = couponIds;
  }
}

const NOTHING_RECORDED: RecordOutcome = { conflicts: [], staleGates: [], recorded: [] };

const TX_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;
/** A half waiting for the other longer than this is stuck in a wait no one else sees: roll back, the batch comes again. */
const SIDE_BY_SIDE_TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/** From this many decisions on, a batch new to Postgres is written by two transactions side by side. */
const SIDE_BY_SIDE_FROM = 2_000;

/** How the one-statement way ends when part of a batch was recorded before, or Postgres refuses the batch. */
const NOT_AT_ONCE = new Set(["23505", "23514", "22012"]);

export class PrismaIssueStore implements IssueStore {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * A batch's coupons (with their pauses) and the decisions Postgres holds of its requests, in one statement: the
   * issuer reads both for every batch, and each statement is a round trip and a plan of its own.
   */
  async readBatch(couponIds: readonly string[], requestIds: readonly string[]): Promise<BatchReading> {
    const [row] = await this.prisma.$queryRaw<Array<{ coupons: CouponJson[]; decided: DecisionJson[] }>>`
      SELECT
        (SELECT coalesce(json_agg(c), '[]') FROM (
          SELECT c.id, c.mode, c.name, c.stock, c.issued_count, c.per_user_limit, c.starts_at, c.ends_at, c.drawn_at,
            c.prequeue_seconds, c.prequeue_drawn_at,
            (SELECT coalesce(json_agg(json_build_array(p.paused_at, p.resumed_at) ORDER BY p.paused_at), '[]')
             FROM coupon_pause p WHERE p.coupon_id = c.id) AS pauses
          FROM coupon c WHERE c.id = ANY(${arrayLiteral(couponIds)}::uuid[])) c) AS coupons,
        (SELECT coalesce(json_agg(d), '[]') FROM (
          SELECT request_id, coupon_id, user_id, decision, reason, holding, accepted_at
          FROM ${decisionsOf(requestIds)}) d) AS decided`;
    return {
      coupons: new Map(row!.coupons.map((c) => [c.id, couponOfJson(c)])),
      decided: new Map(row!.decided.map((d) => [d.request_id, toDecided({ ...d, accepted_at: new Date(d.accepted_at) })])),
    };
  }

  async prequeueEntrants(couponIds: readonly string[]): Promise<Map<string, number>> {
    if (couponIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<Array<{ coupon_id: string; n: bigint }>>`
      SELECT e.coupon_id::text, count(*) AS n FROM lottery_entry e
      WHERE e.coupon_id = ANY(${arrayLiteral(couponIds)}::uuid[]) GROUP BY e.coupon_id`;
    return new Map(rows.map((r) => [r.coupon_id, Number(r.n)]));
  }

  async record({ decided, entries = [], gateEpochs = new Map() }: RecordBatch): Promise<RecordOutcome> {
    if (decided.length === 0 && entries.length === 0) return NOTHING_RECORDED;
    const gates = gatesOf(decided, gateEpochs);
    if (entries.length === 0 && (await recordAtOnce(this.prisma, decided, gates))) return { ...NOTHING_RECORDED, recorded: [...decided] };
    try {
      return await this.prisma.$transaction(async (tx) => {
        await checkGateEpochs(tx, gates);
        return recordIn(tx, [...decided, ...(await enterLottery(tx, entries))]);
      }, TX_OPTIONS);
    } catch (error) {
      if (error instanceof LedgerConflict) return { ...NOTHING_RECORDED, conflicts: error.couponIds };
      if (error instanceof StaleGates) return { ...NOTHING_RECORDED, staleGates: error.couponIds };
      throw error;
    }
  }

  async findDecided(requestIds: readonly string[]): Promise<Map<string, DecidedRequest>> {
    if (requestIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<DecisionRow[]>`
      SELECT request_id::text, coupon_id::text, user_id, decision::text AS decision, reason, holding, accepted_at
      FROM ${decisionsOf(requestIds)}`;
    return new Map(rows.map((row) => [row.request_id, toDecided(row)]));
  }

  async ledger(couponId: string): Promise<CouponLedger | null> {
    const row = await this.prisma.coupon.findUnique({ where: { id: couponId }, include: WITH_PAUSES });
    return row ? ledgerOf(this.prisma, row) : null;
  }

  /**
   * The epoch's update waits for every batch still being recorded under the old epoch (each locks the coupon's row);
   * the holders are read after it commits, so they include them all. A batch of the old epoch that comes later finds
   * the new one and is refused, and none of the new one is recorded before this ledger's gate is installed.
   */
  async ledgerForRebuild(couponId: string): Promise<CouponLedger | null> {
    const row = await this.prisma.$transaction(async (tx) => {
      const advanced = await tx.$executeRaw`UPDATE coupon SET gate_epoch = gate_epoch + 1 WHERE id = ${couponId}::uuid`;
      return advanced === 0 ? null : tx.coupon.findUnique({ where: { id: couponId }, include: WITH_PAUSES });
    }, TX_OPTIONS);
    return row ? ledgerOf(this.prisma, row) : null;
  }
}

/** A coupon row as `readBatch` reads it: JSON, so timestamps are strings and pauses pairs. */
interface CouponJson {
  id: string;
  mode: Coupon["mode"];
  name: string;
  stock: number;
  issued_count: number;
  per_user_limit: number;
  starts_at: string | null;
  ends_at: string | null;
  drawn_at: string | null;
  prequeue_seconds: number | null;
  prequeue_drawn_at: string | null;
  pauses: Array<[pausedAt: string, resumedAt: string | null]>;
}

type DecisionJson = Omit<DecisionRow, "accepted_at"> & { accepted_at: string };

function couponOfJson(c: CouponJson): Coupon {
  return {
    id: c.id,
    mode: c.mode,
    name: c.name,
    stock: c.stock,
    issuedCount: c.issued_count,
    perUserLimit: c.per_user_limit,
    startsAt: dateOrNull(c.starts_at),
    endsAt: dateOrNull(c.ends_at),
    pauses: c.pauses.map(([pausedAt, resumedAt]) => ({ pausedAt: new Date(pausedAt), resumedAt: dateOrNull(resumedAt) })),
    drawnAt: dateOrNull(c.drawn_at),
    prequeueSeconds: c.prequeue_seconds,
    prequeueDrawnAt: dateOrNull(c.prequeue_drawn_at),
  };
}

function dateOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

/**
 * The decisions of these requests, as a FROM item, each looked up by its primary key. `request_id = ANY(ids)` lets the
 * planner scan the whole table once the batch is large against what it believes the table holds (a thousand ids
 * did, on a table of 60,000 rows just filled): a cost that grows with the table, per batch. A lookup per id cannot
 * be planned that way (`OFFSET 0` keeps the subquery from being merged into a join). An id given twice comes twice.
 */
function decisionsOf(requestIds: readonly string[]): Prisma.Sql {
  return Prisma.sql`unnest(${arrayLiteral(requestIds)}::uuid[]) AS asked(id)
    CROSS JOIN LATERAL (SELECT * FROM issue_decision WHERE request_id = asked.id OFFSET 0) AS found`;
}

interface DecisionRow {
  request_id: string;
  coupon_id: string;
  user_id: string;
  decision: Decision;
  reason: string | null;
  holding: number | null;
  accepted_at: Date;
}

function toDecided(row: DecisionRow): DecidedRequest {
  return {
    requestId: row.request_id,
    couponId: row.coupon_id,
    userId: row.user_id,
    acceptedAt: row.accepted_at,
    decision: row.decision,
    ...(row.reason ? { reason: row.reason as RejectionReason } : {}),
    ...(row.holding !== null ? { holding: row.holding } : {}),
  };
}

/** Holders read a page at a time, in user id order. */
const HOLDINGS_PAGE = 5_000;

function ledgerOf(prisma: PrismaClient, row: Parameters<typeof toCoupon>[0]): CouponLedger {
  const coupon = toCoupon(row);
  return {
    coupon,
    epoch: row.gateEpoch,
    holdings: async function* () {
      let after = "";
      for (;;) {
        const page = await prisma.$queryRaw<Array<{ user_id: string; n: number }>>`
          SELECT user_id, count(*)::int AS n FROM coupon_issue WHERE coupon_id = ${coupon.id}::uuid AND user_id > ${after}
          GROUP BY user_id ORDER BY user_id LIMIT ${HOLDINGS_PAGE}`;
        if (page.length > 0) yield page.map((h) => ({ userId: h.user_id, count: h.n }));
        if (page.length < HOLDINGS_PAGE) return;
        after = page.at(-1)!.user_id;
      }
    },
  };
}

/** A gated coupon of the batch, the generation of the gate that decided it, and how many it issued. */
interface GateOfBatch {
  couponId: string;
  epoch: number;
  issued: number;
}

/** Every coupon with decisions from the gate (all but REJECTED) and its epoch; one without an epoch is a bug. */
function gatesOf(decided: readonly DecidedRequest[], gateEpochs: ReadonlyMap<string, number>): GateOfBatch[] {
  const gates = new Map<string, GateOfBatch>();
  for (const d of decided) {
    if (d.decision === "REJECTED") continue;
    let gate = gates.get(d.couponId);
    if (!gate) {
      const epoch = gateEpochs.get(d.couponId);
      if (epoch === undefined) throw new Error(`Decisions for coupon ${d.couponId} came without the generation of the gate that made them`);
      gate = { couponId: d.couponId, epoch, issued: 0 };
      gates.set(d.couponId, gate);
    }
    if (d.decision === "ISSUED") gate.issued += 1;
  }
  return [...gates.values()];
}

/** Locks the gated coupons' rows for the transaction; a coupon whose gate was rebuilt since is a conflict. */
async function checkGateEpochs(tx: Tx, gates: readonly GateOfBatch[]): Promise<void> {
  if (gates.length === 0) return;
  const rows = await tx.$queryRaw<Array<{ id: string; gate_epoch: number }>>`
    SELECT id::text, gate_epoch FROM coupon WHERE id = ANY(${gates.map((g) => g.couponId)}::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
  const current = new Map(rows.map((r) => [r.id, r.gate_epoch]));
  const stale = gates.filter((g) => current.get(g.couponId) !== g.epoch).map((g) => g.couponId);
  if (stale.length > 0) throw new StaleGates(stale);
}

/**
 * Advances each gated coupon's count by what the batch issued (0 included: the update locks the row and checks the
 * epoch either way), behind the stock guard. Returns a row per coupon that passed both.
 */
function countIssued(gates: readonly GateOfBatch[]): Prisma.Sql {
  return Prisma.sql`
    UPDATE coupon SET issued_count = coupon.issued_count + batch.n
    FROM unnest(${gates.map((g) => g.couponId)}::uuid[], ${gates.map((g) => g.epoch)}::int[], ${gates.map((g) => g.issued)}::int[])
      AS batch(id, epoch, n)
    WHERE coupon.id = batch.id AND coupon.gate_epoch = batch.epoch AND coupon.issued_count + batch.n <= coupon.stock
    RETURNING batch.n`;
}

/**
 * Enters each user once (into a lottery or a pre-queue); returns a DUPLICATE decision for every further entry of a user
 * (replays excepted), and a REJECTED (COUPON_ENDED) one for an entry into a lottery drawn already.
 */
async function enterLottery(tx: Tx, requests: readonly IssueRequest[]): Promise<DecidedRequest[]> {
  if (requests.length === 0) return [];
  const drawn = await drawnLotteries(tx, requests);
  const late = requests.filter((e) => drawn.has(e.couponId)).map((e) => ({ ...e, decision: "REJECTED" as const, reason: "COUPON_ENDED" as const }));
  const entries = requests.filter((e) => !drawn.has(e.couponId));
  if (entries.length === 0) return late;
  const refused = await tx.$queryRaw<Array<{ request_id: string }>>`
    WITH input AS (
      SELECT * FROM unnest(
        ${entries.map((e) => e.couponId)}::uuid[], ${entries.map((e) => e.userId)}::text[],
        ${entries.map((e) => e.requestId)}::uuid[], ${entries.map((e) => e.acceptedAt)}::timestamptz[]
      ) AS t(coupon_id, user_id, request_id, accepted_at)
    ), entered AS (
      INSERT INTO lottery_entry (coupon_id, user_id, request_id, accepted_at)
      SELECT coupon_id, user_id, request_id, accepted_at FROM input
      ON CONFLICT DO NOTHING
      RETURNING request_id
    )
    SELECT input.request_id::text FROM input
    WHERE input.request_id NOT IN (SELECT request_id FROM entered)
      AND input.request_id NOT IN (SELECT request_id FROM lottery_entry)`;
  const refusedIds = new Set(refused.map((r) => r.request_id));
  return [...late, ...entries.filter((e) => refusedIds.has(e.requestId)).map((e) => ({ ...e, decision: "DUPLICATE" as const, holding: 1 }))];
}

/**
 * The lotteries of these entries that are drawn, read under a share lock of their rows. The draw holds its coupon's
 * row while it reads the entries, so an entry waits for it here and then finds the lottery drawn, or goes in first and
 * is drawn with the rest. Without the lock, an entry read as open just before the draw went in just after it and
 * stayed PENDING (one the API answered 503 while its send was under way can reach Kafka that late).
 */
async function drawnLotteries(tx: Tx, entries: readonly IssueRequest[]): Promise<Set<string>> {
  const rows = await tx.$queryRaw<Array<{ id: string; drawn: boolean; prequeue_drawn: boolean }>>`
    SELECT id::text, drawn_at IS NOT NULL AS drawn, prequeue_drawn_at IS NOT NULL AS prequeue_drawn FROM coupon
    WHERE id = ANY(${[...new Set(entries.map((e) => e.couponId))]}::uuid[]) ORDER BY id FOR SHARE`;
  // A pre-queue drawn since the batch read its coupon: the request is no entry any more but a first-come request,
  // to be decided again at the gate.
  const prequeueDrawn = rows.filter((r) => r.prequeue_drawn).map((r) => r.id);
  if (prequeueDrawn.length > 0) throw new LedgerConflict(prequeueDrawn);
  return new Set(rows.filter((r) => r.drawn).map((r) => r.id));
}

/**
 * In a live sale a batch is new to Postgres and within the stock: it is recorded without reading anything first,
 * either by one statement (a small batch: one round trip instead of a transaction's six) or, for a large one, by two
 * transactions side by side, one per half (one Postgres backend per core). A batch of which something was recorded
 * before (redelivered, or another issuer's), or that Postgres refuses, fails as a whole — a unique key, the stock's
 * CHECK, or a division by zero below — and the careful way (recordIn, which reads what is there first) takes over.
 */
async function recordAtOnce(prisma: PrismaClient, decided: readonly DecidedRequest[], gates: readonly GateOfBatch[]): Promise<boolean> {
  try {
    const middle = Math.ceil(decided.length / 2);
    const [earlier, later] = [decided.slice(0, middle), decided.slice(middle)];
    if (decided.length >= SIDE_BY_SIDE_FROM && halvesAreDisjoint(earlier, later)) await recordSideBySide(prisma, earlier, later, gates);
    else await recordInOneStatement(prisma, decided, gates);
    return true;
  } catch (error) {
    if (NOT_AT_ONCE.has(postgresCode(error) ?? "")) return false;
    throw error;
  }
}

/** The CTEs `decisions` and `issues` that insert a batch's rows; `issues` returns each inserted issue's coupon. */
function insertDecisionsAndIssues(decided: readonly DecidedRequest[]): Prisma.Sql {
  // The issues are the inserted ISSUED decisions themselves: sent once, not a second time as columns of their own.
  return Prisma.sql`
    WITH decisions AS (
      INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, reason, holding, accepted_at)
      ${decisionRows(decided)}
      RETURNING request_id, coupon_id, user_id, decision, holding
    ), issues AS (
      INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id)
      SELECT d.coupon_id, d.user_id, d.holding, d.request_id FROM decisions d
      JOIN coupon ON coupon.id = d.coupon_id AND d.holding BETWEEN 1 AND coupon.per_user_limit
      WHERE d.decision = 'ISSUED'
      RETURNING coupon_id
    )`;
}

async function recordInOneStatement(prisma: PrismaClient, decided: readonly DecidedRequest[], gates: readonly GateOfBatch[]): Promise<void> {
  const issued = decided.filter((d) => d.decision === "ISSUED");
  await prisma.$queryRaw`
    ${insertDecisionsAndIssues(decided)}, counted AS (${countIssued(gates)})
    -- Every issue inserted, every gated coupon of its epoch and within its stock, or no statement at all.
    SELECT 1 / (CASE WHEN (SELECT count(*) FROM issues) = ${issued.length} AND (SELECT count(*) FROM counted) = ${gates.length}
      AND (SELECT coalesce(sum(n), 0) FROM counted) = ${issued.length} THEN 1 ELSE 0 END) AS ok`;
}

/**
 * The halves write side by side, but the later half counts its issues and commits only once the earlier half has
 * committed, and not at all if it failed: Postgres never holds a later request's decision without the earlier ones'.
 * If the later half fails after the earlier committed, the batch is partly recorded; the careful way then finds the
 * earlier half as decided and records the rest, or reports the conflict, and a gate rebuilt from Postgres replays
 * the earlier half's decisions.
 */
async function recordSideBySide(
  prisma: PrismaClient,
  earlierHalf: DecidedRequest[],
  laterHalf: DecidedRequest[],
  gates: readonly GateOfBatch[],
): Promise<void> {
  const epochs = new Map(gates.map((g) => [g.couponId, g.epoch]));
  const earlier = recordHalf(prisma, earlierHalf, gatesOf(earlierHalf, epochs), Promise.resolve());
  const later = recordHalf(prisma, laterHalf, gatesOf(laterHalf, epochs), earlier);
  const [first, second] = await Promise.allSettled([earlier, later]);
  if (first.status === "rejected") throw first.reason;
  if (second.status === "rejected") throw second.reason;
}

async function recordHalf(
  prisma: PrismaClient,
  decided: readonly DecidedRequest[],
  gates: readonly GateOfBatch[],
  committedBefore: Promise<void>,
): Promise<void> {
  const issued = decided.filter((d) => d.decision === "ISSUED");
  await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`
      ${insertDecisionsAndIssues(decided)}
      SELECT 1 / (CASE WHEN (SELECT count(*) FROM issues) = ${issued.length} THEN 1 ELSE 0 END) AS ok`;
    await committedBefore;
    await tx.$queryRaw`
      WITH counted AS (${countIssued(gates)})
      SELECT 1 / (CASE WHEN (SELECT count(*) FROM counted) = ${gates.length} AND (SELECT coalesce(sum(n), 0) FROM counted) = ${issued.length}
        THEN 1 ELSE 0 END) AS ok`;
  }, SIDE_BY_SIDE_TX_OPTIONS);
}

/**
 * Whether no request, and no user given an issue, is in both halves. Otherwise the earlier half could wait in Postgres
 * for the later half's uncommitted row while the later half waits here for the earlier half to commit: a deadlock
 * Postgres cannot see (the transaction's timeout would end it).
 */
function halvesAreDisjoint(earlier: readonly DecidedRequest[], later: readonly DecidedRequest[]): boolean {
  const requests = new Set<string>();
  const issuedTo = new Set<string>();
  for (const d of earlier) {
    requests.add(d.requestId);
    if (d.decision === "ISSUED") issuedTo.add(d.userId);
  }
  return later.every((d) => !requests.has(d.requestId) && !(d.decision === "ISSUED" && issuedTo.has(d.userId)));
}

function postgresCode(error: unknown): string | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta;
  return meta?.driverAdapterError?.cause?.originalCode;
}

async function recordIn(tx: Tx, decided: readonly DecidedRequest[]): Promise<RecordOutcome> {
  if (decided.length === 0) return NOTHING_RECORDED;
  const byRequest = new Map(decided.map((d) => [d.requestId, d]));
  const existing = await tx.$queryRaw<Array<{ request_id: string; decision: Decision; reason: string | null; holding: number | null }>>`
    SELECT request_id::text, decision::text AS decision, reason, holding FROM ${decisionsOf([...byRequest.keys()])}`;
  const recordedBefore = new Map(existing.map((row) => [row.request_id, row]));

  const conflicts = new Set<string>();
  const fresh: DecidedRequest[] = [];
  for (const d of byRequest.values()) {
    const before = recordedBefore.get(d.requestId);
    if (!before) fresh.push(d);
    else if (before.decision !== d.decision && d.decision !== "REJECTED") conflicts.add(d.couponId);
  }
  if (conflicts.size > 0) throw new LedgerConflict([...conflicts]);

  await insertDecisions(tx, fresh);
  await insertIssues(
    tx,
    fresh.filter((d) => d.decision === "ISSUED"),
  );

  return {
    ...NOTHING_RECORDED,
    recorded: decided.map((d) => {
      const before = recordedBefore.get(d.requestId);
      if (!before) return d;
      return {
        ...d,
        decision: before.decision,
        reason: (before.reason ?? undefined) as RejectionReason | undefined,
        holding: before.holding ?? undefined,
      };
    }),
  };
}

async function insertDecisions(tx: Tx, fresh: DecidedRequest[]): Promise<void> {
  if (fresh.length === 0) return;
  const inserted = await tx.$executeRaw`
    INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, reason, holding, accepted_at)
    ${decisionRows(fresh)}
    ON CONFLICT (request_id) DO NOTHING`;
  // Someone else recorded some of these in the meantime (a fenced-off issuer finishing late): decide again.
  if (inserted !== fresh.length) throw new LedgerConflict([...new Set(fresh.map((d) => d.couponId))]);
}

/** Inserts the issues and advances each coupon's count behind a guard that can never pass the stock. */
async function insertIssues(tx: Tx, issued: DecidedRequest[]): Promise<void> {
  if (issued.length === 0) return;
  const inserted = await tx.$queryRaw<Array<{ coupon_id: string; n: bigint }>>`
    WITH inserted AS (
      INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id)
      ${issueRows(issued)}
      ON CONFLICT DO NOTHING
      RETURNING coupon_id
    )
    SELECT coupon_id::text, count(*) AS n FROM inserted GROUP BY coupon_id`;
  const expected = countBy(issued.map((d) => d.couponId));
  const conflicts = [...expected].filter(([couponId, n]) => Number(inserted.find((r) => r.coupon_id === couponId)?.n ?? 0) !== n);
  if (conflicts.length > 0) throw new LedgerConflict(conflicts.map(([couponId]) => couponId));

  const couponIds = [...expected.keys()];
  const advanced = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE coupon SET issued_count = coupon.issued_count + batch.n
    FROM unnest(${couponIds}::uuid[], ${couponIds.map((id) => expected.get(id)!)}::int[]) AS batch(id, n)
    WHERE coupon.id = batch.id AND coupon.issued_count + batch.n <= coupon.stock
    RETURNING coupon.id::text`;
  if (advanced.length !== couponIds.length) {
    const ok = new Set(advanced.map((r) => r.id));
    throw new LedgerConflict(couponIds.filter((id) => !ok.has(id)));
  }
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** The decisions as rows for `INSERT INTO issue_decision (request_id, coupon_id, user_id, decision, reason, holding, accepted_at)`. */
function decisionRows(decided: readonly DecidedRequest[]): Prisma.Sql {
  return Prisma.sql`
    SELECT request_id, coupon_id, user_id, decision::"Decision", reason, holding, accepted_at
    FROM unnest(
      ${arrayLiteral(decided.map((d) => d.requestId))}::uuid[], ${arrayLiteral(decided.map((d) => d.couponId))}::uuid[],
      ${arrayLiteral(decided.map((d) => d.userId))}::text[], ${arrayLiteral(decided.map((d) => d.decision))}::text[],
      ${arrayLiteral(decided.map((d) => d.reason))}::text[], ${arrayLiteral(decided.map((d) => d.holding))}::int[],
      ${arrayLiteral(decided.map((d) => d.acceptedAt.toISOString()))}::timestamptz[]
    ) AS input(request_id, coupon_id, user_id, decision, reason, holding, accepted_at)`;
}

/** The issues as rows for `INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id)`; a seq past the limit is dropped. */
function issueRows(issued: readonly DecidedRequest[]): Prisma.Sql {
  return Prisma.sql`
    SELECT input.* FROM unnest(
      ${arrayLiteral(issued.map((d) => d.couponId))}::uuid[], ${arrayLiteral(issued.map((d) => d.userId))}::text[],
      ${arrayLiteral(issued.map((d) => d.holding ?? 0))}::int[], ${arrayLiteral(issued.map((d) => d.requestId))}::uuid[]
    ) AS input(coupon_id, user_id, seq, request_id)
    JOIN coupon ON coupon.id = input.coupon_id AND input.seq BETWEEN 1 AND coupon.per_user_limit`;
}
