import { randomUUID } from "node:crypto";
import { type Coupon, type EntryProgress, type IssueRequest, UnavailableError } from "@dibs/domain";
import { aCoupon } from "@dibs/domain/testing";
import type { ApiDeps, CatalogCoupon, DecisionView, Standing } from "../../src/ports.ts";
import { inMemoryLotteries } from "./in-memory-lotteries.ts";

/** The API's ports in memory: every test can see what would have been produced or written. */
export function inMemoryDeps() {
  const coupons = new Map<string, CatalogCoupon>();
  const published: IssueRequest[] = [];
  const decisions = new Map<string, DecisionView>();
  /** Requests the issuer recorded as pre-queue entries. */
  const prequeued = new Set<string>();
  const idempotency = new Map<string, IssueRequest>();
  const lotteries = inMemoryLotteries(coupons);
  const state = {
    kafkaDown: false,
    redisDown: false,
    /** The line never answers: Redis hangs. */
    lineStalled: false,
    cached: new Set<string>(),
    /** What the issuers' partition of any coupon looks like to a draw; the coupons it was asked for. */
    entryProgress: { partition: 0, committed: 0, target: 0 } as EntryProgress,
    progressAskedFor: [] as string[],
  };
  /** Each coupon's line: request ids in the order they joined; `leave` takes a decided one out, as the issuer does. */
  const lines = new Map<string, string[]>();
  const joinedLine = new Map<string, string>();
  const standingIn = (couponId: string, requestId: string): Standing | undefined => {
    const line = lines.get(couponId) ?? [];
    const index = line.indexOf(requestId);
    if (index < 0) return undefined;
    const coupon = coupons.get(couponId);
    const ahead = line.slice(0, index).filter((id) => !decisions.has(id)).length;
    return { position: index + 1, ahead, remaining: coupon ? coupon.stock - coupon.issuedCount : null };
  };
  const decisionListeners: Array<(requestIds: readonly string[]) => void> = [];
  /** As the issuer announces a recorded decision. */
  const announce = (requestIds: string[]) => {
    for (const listener of decisionListeners) listener(requestIds);
  };

  const deps: ApiDeps = {
    catalog: {
      find: async (id) => coupons.get(id) ?? null,
      issued: async (id) => {
        const coupon = coupons.get(id);
        return coupon?.soldOut ? coupon.stock : (coupon?.issuedCount ?? 0);
      },
      // Like the real cache right after a miss: nothing in memory until a request asked for it the slow way.
      cachedView: (id) => (state.cached.has(id) ? (coupons.get(id) ?? null) : undefined),
      forget: (id) => void state.cached.delete(id),
    },
    publisher: {
      answerDeadlineMs: 5_000,
      publish: async (request) => {
        if (state.kafkaDown) throw new UnavailableError("PUBLISH_UNAVAILABLE", "Kafka did not acknowledge");
        published.push(request);
      },
    },
    queries: {
      findDecision: async (id) => decisions.get(id) ?? null,
      findDecisions: async (ids) => ids.flatMap((id) => decisions.get(id) ?? []),
      isPrequeued: async (id) => prequeued.has(id) && !decisions.has(id),
      couponsHeldBy: async (userId) =>
        [...decisions.values()]
          .filter((d) => d.userId === userId && d.decision === "ISSUED")
          .map((d) => ({ couponId: d.couponId, name: coupons.get(d.couponId)?.name ?? "", requestId: d.requestId, issuedAt: d.decidedAt })),
    },
    admin: {
      create: async (c) => {
        const coupon: Coupon = {
          id: randomUUID(),
          issuedCount: 0,
          pauses: [],
          drawnAt: null,
          prequeueDrawnAt: null,
          ...c,
          prequeueSeconds: c.prequeueSeconds ?? null,
        };
        coupons.set(coupon.id, { ...coupon, soldOut: false, lottery: c.mode === "LOTTERY" ? lotteries.published(coupon.id) : null, prequeue: null });
        return coupon;
      },
      list: async () => ({ items: [...coupons.values()], nextCursor: null }),
      summary: async (id) => {
        const c = coupons.get(id);
        return c
          ? {
              ...c,
              decisions: { ISSUED: 0, DUPLICATE: 0, SOLD_OUT: 0, REJECTED: 0 },
              decisionsPerSecond: 0,
              fairness: { soldOut: 0, overtaken: 0, overtakenShare: 0, largestGapMs: 0 },
            }
          : null;
      },
      control: async () => null,
      addStock: async () => null,
      issues: async function* () {},
      ...lotteries.ports,
      prequeue: async () => null,
      drawPrequeue: async () => null,
      duePrequeues: async () => [],
    },
    idempotency: {
      find: async (scope) => idempotency.get(JSON.stringify(scope)) ?? null,
      claim: async (scope, request) => {
        const earlier = idempotency.get(JSON.stringify(scope));
        if (earlier) return earlier;
        idempotency.set(JSON.stringify(scope), request);
        return request;
      },
    },
    changes: { announce: async () => undefined },
    decisions: { onDecided: (listener) => void decisionListeners.push(listener) },
    operations: {
      reconcile: async () => null,
      repair: async () => null,
      rebuildGate: async () => undefined,
      deadLetters: async () => ({ letters: [], total: 0 }),
      entryProgress: async (couponId) => {
        state.progressAskedFor.push(couponId);
        return state.entryProgress;
      },
      replay: async () => ({ replayed: [], skipped: [], missing: [] }),
    },
    saleWatch: {
      decisionSeconds: async () => [],
      decisionLatency: async () => null,
      consumerLag: async () => [],
      deadLetterCount: async () => 0,
    },
    line: {
      join: async (entries) => {
        if (state.redisDown) throw new Error("Redis is down");
        if (state.lineStalled) await new Promise(() => undefined);
        for (const { requestId, couponId } of entries) {
          const line = lines.get(couponId) ?? [];
          lines.set(couponId, line);
          if (!line.includes(requestId)) line.push(requestId);
          joinedLine.set(requestId, couponId);
        }
        return new Map(entries.map(({ requestId, couponId }) => [requestId, standingIn(couponId, requestId)!]));
      },
      standings: async (couponId, requestIds) => {
        if (state.redisDown) throw new Error("Redis is down");
        const found = new Map<string, Standing>();
        for (const id of requestIds) {
          const standing = decisions.has(id) ? undefined : standingIn(couponId, id);
          if (standing) found.set(id, standing);
        }
        return found;
      },
      couponOf: async (requestId) => {
        if (state.redisDown) throw new Error("Redis is down");
        return joinedLine.get(requestId) ?? null;
      },
      depth: async (couponId) => ({ joined: lines.get(couponId)?.length ?? 0, waiting: (lines.get(couponId) ?? []).filter((id) => !decisions.has(id)).length }),
    },
    readiness: {},
  };

  function addCoupon(overrides: Partial<CatalogCoupon> = {}): CatalogCoupon {
    const id = overrides.id ?? randomUUID();
    const coupon: CatalogCoupon = {
      ...aCoupon({ id, name: "Test coupon", stock: 10 }),
      soldOut: false,
      lottery: overrides.mode === "LOTTERY" ? lotteries.published(id) : null,
      prequeue: null,
      ...overrides,
    };
    coupons.set(coupon.id, coupon);
    return coupon;
  }

  return { deps, coupons, published, decisions, prequeued, state, addCoupon, idempotency, announce, lotteries };
}
