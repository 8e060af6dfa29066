import { type Coupon, windowRejection, windowStateAt } from "./coupon.ts";
import type { DecidedRequest } from "./decision.ts";
import type { IssueRequest } from "./issue-request.ts";
import type { GateVerdicts, IssueGate, IssueStore } from "./ports.ts";
import { entersPrequeue, prequeueUndrawn, stockBesidePrequeue } from "./prequeue.ts";

export interface DecideDeps {
  gate: IssueGate;
  store: IssueStore;
  /** How often Postgres may overrule the gate (which is then rebuilt) before the batch fails. */
  maxRebuilds?: number;
}

/** How often a batch is decided again because another issuer rebuilt the gate meanwhile, before it gives way. */
const MAX_STALE_ROUNDS = 10;

export interface BatchOutcome {
  /** As Postgres recorded them. */
  recorded: DecidedRequest[];
  /** Requests naming a coupon that does not exist: not decidable, they belong in the dead-letter topic. */
  unknownCoupon: IssueRequest[];
  /** Coupons whose gate state was rebuilt from Postgres during this batch. */
  rebuilt: string[];
}

/** Postgres overruled the gate on the same batch even after the gate was rebuilt from it: a fault of the batch. */
export class GateDisagreementError extends Error {
  readonly couponIds: string[];

  constructor(couponIds: string[]) {
    super(`Postgres kept overruling the gate for coupons ${couponIds.join(", ")}`);
    this.couponIds = couponIds;
    this.name = "GateDisagreementError";
  }
}

/** Other issuers kept rebuilding the gate while this one decided the batch (a rebalance): try again later. */
export class GateBusyError extends Error {
  readonly couponIds: string[];

  constructor(couponIds: string[]) {
    super(`The gate of coupons ${couponIds.join(", ")} kept being rebuilt by another issuer`);
    this.couponIds = couponIds;
    this.name = "GateBusyError";
  }
}

/**
 * The issuer's half: the gate decides each request, Postgres records the decisions in one transaction.
 * When Postgres disagrees (the gate lost or missed state), the gate is rebuilt from Postgres and the batch decided again.
 */
export async function decideIssueRequests(requests: readonly IssueRequest[], deps: DecideDeps): Promise<BatchOutcome> {
  return recordGatedBatch(await gateIssueRequests(requests, deps), deps);
}

/** A batch the gate has decided, not yet recorded: the first half of decideIssueRequests. */
export interface GatedBatch {
  /** Requests Postgres had decided already (a redelivery, a replay): their decisions stand, the gate is not asked. */
  replayed: DecidedRequest[];
  decided: DecidedRequest[];
  entries: IssueRequest[];
  unknownCoupon: IssueRequest[];
  /** Coupons whose gate state had to be rebuilt from Postgres to decide this batch. */
  rebuilt: string[];
  gated: Map<string, IssueRequest[]>;
  rejected: DecidedRequest[];
  coupons: Map<string, Coupon>;
  /** Per gated coupon, the generation of the gate state that decided it. */
  gateEpochs: Map<string, number>;
}

export async function gateIssueRequests(requests: readonly IssueRequest[], deps: DecideDeps): Promise<GatedBatch> {
  const { coupons, decided: recordedBefore } = await deps.store.readBatch(
    [...new Set(requests.map((r) => r.couponId))],
    requests.map((r) => r.requestId),
  );
  const replayed: DecidedRequest[] = [];
  const unknownCoupon: IssueRequest[] = [];
  const rejected: DecidedRequest[] = [];
  const gated = new Map<string, IssueRequest[]>();
  const entries: IssueRequest[] = [];
  for (const request of requests) {
    const coupon = coupons.get(request.couponId);
    const recorded = recordedBefore.get(request.requestId);
    if (recorded) {
      replayed.push(recorded);
      continue;
    }
    if (!coupon) {
      unknownCoupon.push(request);
      continue;
    }
    const reason = coupon.drawnAt ? "COUPON_ENDED" : windowRejection(windowStateAt(coupon, request.acceptedAt));
    if (reason) rejected.push({ ...request, decision: "REJECTED", reason });
    else if (coupon.mode === "LOTTERY" || (prequeueUndrawn(coupon) && entersPrequeue(coupon, request.acceptedAt))) entries.push(request);
    else appendTo(gated, request.couponId, request);
  }
  const gateCoupons = await besidePrequeues(coupons, gated, entries, deps);
  const rebuilt = new Set<string>();
  const gateEpochs = new Map<string, number>();
  const decided = await decideAllAtGate(gated, rejected, gateCoupons, deps, rebuilt, gateEpochs);
  return { replayed, decided, entries, unknownCoupon, rebuilt: [...rebuilt], gated, rejected, coupons: gateCoupons, gateEpochs };
}

/**
 * The coupons as the gate is to see them: while a pre-queue is not drawn, requests after the start may take only the
 * stock its entrants (so far, this batch's included) would not take first.
 */
async function besidePrequeues(
  coupons: Map<string, Coupon>,
  gated: Map<string, IssueRequest[]>,
  entries: readonly IssueRequest[],
  deps: DecideDeps,
): Promise<Map<string, Coupon>> {
  const waiting = [...gated.keys()].filter((id) => prequeueUndrawn(coupons.get(id)!));
  if (waiting.length === 0) return coupons;
  const entered = await deps.store.prequeueEntrants(waiting);
  const adjusted = new Map(coupons);
  for (const couponId of waiting) {
    const coupon = coupons.get(couponId)!;
    const newcomers = new Set(entries.filter((e) => e.couponId === couponId).map((e) => e.userId)).size;
    adjusted.set(couponId, { ...coupon, stock: stockBesidePrequeue(coupon, (entered.get(couponId) ?? 0) + newcomers) });
  }
  return adjusted;
}

/**
 * The second half: records what the gate decided. Postgres overruling the gate on a coupon rebuilds that coupon's
 * gate, and the batch is decided again and recorded; what Postgres turns out to have decided meanwhile (another
 * issuer's copy of the batch) is taken as decided.
 */
export async function recordGatedBatch(batch: GatedBatch, deps: DecideDeps): Promise<BatchOutcome> {
  const rebuilt = new Set(batch.rebuilt);
  const maxRebuilds = deps.maxRebuilds ?? 3;
  let decided = batch.decided;
  const replayed = [...batch.replayed];
  const gated = new Map(batch.gated);
  const gateEpochs = new Map(batch.gateEpochs);
  let disagreements = 0;
  for (let staleRounds = 0; ; ) {
    const outcome = await deps.store.record({ decided, entries: batch.entries, gateEpochs });
    if (outcome.conflicts.length === 0 && outcome.staleGates.length === 0) {
      return { recorded: [...replayed, ...outcome.recorded], unknownCoupon: batch.unknownCoupon, rebuilt: [...rebuilt] };
    }
    if (outcome.conflicts.length > 0) {
      if (++disagreements > maxRebuilds) throw new GateDisagreementError(outcome.conflicts);
      replayed.push(...(await takeRecordedOut(gated, outcome.conflicts, deps)));
      for (const couponId of outcome.conflicts) await rebuildGate(couponId, deps, rebuilt);
    } else {
      // The gate the batch was decided on was rebuilt since. The rebuilt state is usually installed already: decide
      // on it; if it is still not there (its rebuilder died, say), rebuild it here.
      if (++staleRounds > MAX_STALE_ROUNDS) throw new GateBusyError(outcome.staleGates);
      if (staleRounds > 1) for (const couponId of outcome.staleGates) await rebuildGate(couponId, deps, rebuilt);
    }
    decided = await decideAllAtGate(gated, batch.rejected, batch.coupons, deps, rebuilt, gateEpochs);
  }
}

/** Removes from `gated` the requests of `couponIds` that Postgres has decided, and returns their decisions. */
async function takeRecordedOut(gated: Map<string, IssueRequest[]>, couponIds: readonly string[], deps: DecideDeps): Promise<DecidedRequest[]> {
  const asked = couponIds.flatMap((couponId) => gated.get(couponId) ?? []);
  const recorded = await deps.store.findDecided(asked.map((r) => r.requestId));
  if (recorded.size === 0) return [];
  for (const couponId of couponIds) {
    const left = (gated.get(couponId) ?? []).filter((r) => !recorded.has(r.requestId));
    if (left.length > 0) gated.set(couponId, left);
    else gated.delete(couponId);
  }
  return [...recorded.values()];
}

/**
 * Rebuilds the coupons' gates from Postgres, which drops every verdict the gate gave that Postgres did not record:
 * those requests are decided afresh when they come again.
 */
export async function rebuildGates(couponIds: Iterable<string>, deps: DecideDeps): Promise<void> {
  const rebuilt = new Set<string>();
  for (const couponId of new Set(couponIds)) await rebuildGate(couponId, deps, rebuilt);
}

async function decideAllAtGate(
  gated: Map<string, IssueRequest[]>,
  rejected: DecidedRequest[],
  coupons: Map<string, Coupon>,
  deps: DecideDeps,
  rebuilt: Set<string>,
  gateEpochs: Map<string, number>,
): Promise<DecidedRequest[]> {
  const decided = [...rejected];
  for (const [couponId, couponRequests] of gated) {
    const { verdicts, epoch } = await decideAtGate(couponId, couponRequests, coupons.get(couponId)!, deps, rebuilt);
    gateEpochs.set(couponId, epoch);
    decided.push(...couponRequests.map((request, i) => ({ ...request, ...verdicts[i]! })));
  }
  return decided;
}

async function decideAtGate(couponId: string, requests: IssueRequest[], coupon: Coupon, deps: DecideDeps, rebuilt: Set<string>): Promise<GateVerdicts> {
  const decided = await deps.gate.decide(coupon, requests);
  if (decided) return decided;
  await rebuildGate(coupon.id, deps, rebuilt);
  const afterRebuild = await deps.gate.decide(coupon, requests);
  if (!afterRebuild) throw new Error(`The gate for coupon ${couponId} lost its state again right after a rebuild`);
  return afterRebuild;
}

async function rebuildGate(couponId: string, deps: DecideDeps, rebuilt: Set<string>): Promise<void> {
  const ledger = await deps.store.ledgerForRebuild(couponId);
  // A coupon the batch named that does not exist is the batch's problem, not the gate's: it is dead-lettered.
  if (!ledger) return;
  await deps.gate.rebuild(ledger);
  rebuilt.add(couponId);
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
