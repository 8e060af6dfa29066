import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { checkCoupon } from "@dibs/checker";
import type { PrismaClient } from "@dibs/db";
import type { Redis } from "ioredis";
import { closedLoop, type LoadCounters, newCounters, openConnections, openLoop, type Shot, type Target } from "../load/generator.ts";
import { Progress } from "../load/progress.ts";
import { percentile, seededRandom, sortedNumbers } from "../load/stats.ts";
import { type CpuMeter, type CpuSnapshot, cpuPerRequest } from "../observe/cpu-meter.ts";
import type { DecisionWatcher } from "../observe/decision-watcher.ts";
import { batchesBetween, type IssuerBatches, type IssuerCounters, readIssuerCounters } from "../observe/issuer-metrics.ts";
import type { BenchProfile } from "../settings.ts";

export type PhaseName = "sale" | "steady" | "sold-out" | "capacity";

interface Percentiles {
  p50: number;
  p99: number;
}

interface Correctness {
  overIssue: number;
  duplicates: number;
  /** Answered 202, yet no final decision in Postgres, and the strategy had stopped deciding: never will be. */
  lost: number;
  /** Answered 202 and still undecided when the drain time was up, while the strategy was still deciding. */
  late: number;
  violations: string[];
}

export interface PhaseResult {
  phase: PhaseName;
  stock: number;
  requests: number;
  seconds: number;
  answers: Record<string, number>;
  acceptedPerSecond: number;
  answersPerSecond: number;
  answerMs: Percentiles | null;
  decisionMs: Percentiles | null;
  issued: number;
  /** Issued coupons over the time from the first request until the last issue was seen in Postgres. */
  issuedPerSecond: number | null;
  correctness: Correctness | null;
  /** CPU microseconds per request by process group, from the start of the load until decisions drained. */
  cpu: { microsPerRequest: Record<string, number>; machineBusyPercent: number };
  /** dibs: the issuer's batches in this phase. */
  issuer?: IssuerBatches;
}

export interface PhaseDeps {
  label: string;
  url: string;
  prisma: PrismaClient;
  redis: Redis;
  watcher: DecisionWatcher;
  cpu: CpuMeter;
  issuerPort?: number;
  userIds: readonly string[];
  tokens: readonly string[];
  profile: BenchProfile;
  /** False for the baselines: the checker's Redis invariants (I5) are about dibs' gate. */
  usesDibsGate: boolean;
  /** False for the ceiling: nothing is decided, nothing is checked. */
  decides: boolean;
}

const UNLIMITED_STOCK = 100_000_000;
const NONE_PENDING = { late: 0, lost: 0 };

export async function createCoupon(prisma: PrismaClient, name: string, stock: number): Promise<string> {
  const id = randomUUID();
  await prisma.$executeRaw`INSERT INTO coupon (id, name, stock) VALUES (${id}::uuid, ${name}, ${stock})`;
  return id;
}

/** A short closed loop on a coupon of its own, so that JIT, pools and caches are warm before anything counts. */
export async function warmUp(deps: PhaseDeps): Promise<void> {
  const couponId = await createCoupon(deps.prisma, `${deps.label} warm-up`, UNLIMITED_STOCK);
  const counters = newCounters();
  const progress = new Progress(`${deps.label} warm-up`);
  progress.start(() => `${counters.answered} answered`);
  const warm = target(deps, couponId, 64);
  await closedLoop(await openConnections(warm), warm, 1.5, deps.profile.answerTimeoutMs, counters);
  progress.done(`${counters.answered} answered ${statuses(counters)}`);
}

/** The flash sale: `requests` arrive evenly within the burst whatever the server's pace (open loop). */
export async function salePhase(deps: PhaseDeps, phase: "sale" | "steady" = "sale"): Promise<{ result: PhaseResult; couponId: string }> {
  const sale = deps.profile[phase];
  const couponId = await createCoupon(deps.prisma, `${deps.label} ${phase}`, sale.stock);
  const users = saleUsers(sale.users, sale.requests);
  const schedule = users.map((_, i) => (i * sale.burstSeconds * 1000) / sale.requests);
  const counters = newCounters();
  const progress = new Progress(`${deps.label} ${phase}`);
  const rate = Math.round(sale.requests / sale.burstSeconds);
  progress.start(() => `${rate}/s offered · ${counters.sent}/${sale.requests} sent ${statuses(counters)} · awaiting decision ${deps.watcher.pendingCount}`);
  const crowd = target(deps, couponId, sale.requests);
  const pool = await openConnections(crowd);
  await settle(deps);
  const cpu = deps.cpu.snapshot();
  const issuer = await issuerCounters(deps);
  const started = performance.now();
  const shots = await openLoop(pool, crowd, users, schedule, deps.profile.answerTimeoutMs, counters, (shot) => noteDecision(deps, shot));
  const loadSeconds = (lastAnswer(shots, started) - started) / 1000;
  const drain = deps.decides ? await deps.watcher.drained(deps.profile.saleDrainTimeoutMs) : NONE_PENDING;
  deps.watcher.forgetPending();
  const result = await summarize(deps, phase, couponId, sale.stock, shots, started, loadSeconds, cpu, issuer, drain);
  progress.done(line(result));
  return { result, couponId };
}

/** After the sell-out: the same users keep pressing, as many as the server answers (closed loop). */
export async function soldOutPhase(deps: PhaseDeps, couponId: string, stock: number): Promise<PhaseResult> {
  const { connections, seconds } = deps.profile.soldOut;
  const counters = newCounters();
  const progress = new Progress(`${deps.label} sold-out`);
  progress.start(() => `${connections} connections · ${counters.answered} answered ${statuses(counters)}`);
  // The sale's crowd pressing again after the sell-out: its users, not the capacity phase's fresh ones.
  const saleCrowd = { ...target(deps, couponId, connections), tokens: deps.tokens.slice(0, deps.profile.sale.users) };
  const pool = await openConnections(saleCrowd);
  await settle(deps);
  const cpu = deps.cpu.snapshot();
  const issuer = await issuerCounters(deps);
  const started = performance.now();
  const { shots, elapsedMs } = await closedLoop(pool, saleCrowd, seconds, deps.profile.answerTimeoutMs, counters, (shot) => noteDecision(deps, shot));
  if (deps.decides) await deps.watcher.drained(deps.profile.drainTimeoutMs);
  deps.watcher.forgetPending();
  const result = await summarize(deps, "sold-out", couponId, stock, shots, started, elapsedMs / 1000, cpu, issuer, null);
  progress.done(line(result));
  return result;
}

/** A coupon that never runs out, as many requests as the server takes (closed loop): accepted requests/s. */
export async function capacityPhase(deps: PhaseDeps): Promise<PhaseResult> {
  const { connections, seconds } = deps.profile.capacity;
  const couponId = await createCoupon(deps.prisma, `${deps.label} capacity`, UNLIMITED_STOCK);
  const counters = newCounters();
  const progress = new Progress(`${deps.label} capacity`);
  progress.start(() => `${connections} connections · ${counters.answered} answered ${statuses(counters)} · awaiting decision ${deps.watcher.pendingCount}`);
  const crowd = target(deps, couponId, connections);
  const pool = await openConnections(crowd);
  await settle(deps);
  const cpu = deps.cpu.snapshot();
  const issuer = await issuerCounters(deps);
  const started = performance.now();
  const { shots, elapsedMs } = await closedLoop(pool, crowd, seconds, deps.profile.answerTimeoutMs, counters, (shot) => noteDecision(deps, shot));
  const drain = deps.decides ? await deps.watcher.drained(deps.profile.drainTimeoutMs) : NONE_PENDING;
  deps.watcher.forgetPending();
  const result = await summarize(deps, "capacity", couponId, UNLIMITED_STOCK, shots, started, elapsedMs / 1000, cpu, issuer, drain);
  progress.done(line(result));
  return result;
}

/**
 * Waits (15 s at most) until the strategy's own processes are idle: a slow one may still be working off requests
 * of the phase before, which the load generator gave up on, and would charge that work to the next phase.
 */
async function settle(deps: PhaseDeps): Promise<void> {
  const own = (snapshot: CpuSnapshot) => (snapshot.byGroup.api ?? 0) + (snapshot.byGroup.worker ?? 0);
  const deadline = performance.now() + 15_000;
  let before = deps.cpu.snapshot();
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = deps.cpu.snapshot();
    if (own(after) - own(before) < 0.05) return;
    before = after;
  }
}

function target(deps: PhaseDeps, couponId: string, connections: number): Target {
  return { url: deps.url, couponId, tokens: deps.tokens, connections: Math.min(connections, 512) };
}

/** Every user once, in a shuffled order, and the rest of the requests from users pressing again. */
function saleUsers(users: number, requests: number): number[] {
  const random = seededRandom(20_241_124);
  const order = Array.from({ length: requests }, (_, i) => (i < users ? i : Math.floor(random() * users)));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function noteDecision(deps: PhaseDeps, shot: Shot): void {
  if (!deps.decides || shot.status !== 202 || !shot.requestId) return;
  if (shot.answerStatus && shot.answerStatus !== "PENDING") deps.watcher.decidedInAnswer(shot.requestId, shot.answeredAt, shot.answerStatus);
  else deps.watcher.expect(shot.requestId);
}

async function summarize(
  deps: PhaseDeps,
  phase: PhaseName,
  couponId: string,
  stock: number,
  shots: Shot[],
  started: number,
  seconds: number,
  cpuBefore: CpuSnapshot,
  issuerBefore: IssuerCounters | undefined,
  /** How the decisions drained; null: the phase is not checked (the sold-out phase reuses the sale's coupon). */
  drain: { late: number; lost: number } | null,
): Promise<PhaseResult> {
  const cpu = cpuPerRequest(cpuBefore, deps.cpu.snapshot(), shots.length);
  const issuerAfter = await issuerCounters(deps);
  const answered = shots.filter((s) => s.status !== 0);
  const accepted = shots.filter((s) => s.status === 202);
  const decisions = accepted.map((s) => ({ shot: s, seen: deps.watcher.decided.get(s.requestId!) })).filter((d) => d.seen);
  const issuedAt = decisions.filter((d) => d.seen!.decision === "ISSUED").map((d) => d.seen!.at);
  const lastIssue = issuedAt.reduce((a, b) => Math.max(a, b), 0);
  const answers: Record<string, number> = {};
  for (const s of shots) answers[s.status === 0 ? "none" : String(s.status)] = (answers[s.status === 0 ? "none" : String(s.status)] ?? 0) + 1;
  return {
    phase,
    stock,
    requests: shots.length,
    seconds: round(seconds, 2),
    answers,
    acceptedPerSecond: Math.round(accepted.length / seconds),
    answersPerSecond: Math.round(answered.length / seconds),
    answerMs: percentiles(answered.map((s) => s.answeredAt - s.intendedAt)),
    decisionMs: deps.decides ? percentiles(decisions.map((d) => d.seen!.at - d.shot.intendedAt)) : null,
    issued: issuedAt.length,
    issuedPerSecond: issuedAt.length > 0 ? Math.round(issuedAt.length / ((lastIssue - started) / 1000)) : null,
    correctness: deps.decides && drain ? await correctness(deps, couponId, shots, drain.late) : null,
    cpu,
    ...(issuerBefore && issuerAfter ? { issuer: batchesBetween(issuerBefore, issuerAfter, accepted.length) } : {}),
  };
}

function issuerCounters(deps: PhaseDeps): Promise<IssuerCounters | undefined> {
  return deps.issuerPort ? readIssuerCounters(deps.issuerPort, deps.url) : Promise.resolve(undefined);
}

async function correctness(deps: PhaseDeps, couponId: string, shots: Shot[], late: number): Promise<Correctness> {
  const observed = shots.map((s) => ({ userId: deps.userIds[s.user]!, status: s.status, ...(s.requestId ? { requestId: s.requestId } : {}) }));
  // One snapshot for all the checker's reads: a slow strategy may still be committing requests the load generator
  // gave up on, and counts read a moment apart would disagree with rows for no fault of the strategy.
  const report = await deps.prisma.$transaction((tx) => checkCoupon(tx as PrismaClient, deps.redis, couponId, observed), {
    isolationLevel: "RepeatableRead",
    timeout: 120_000,
  });
  const violations = deps.usesDibsGate ? report.violations : report.violations.filter((v) => !v.startsWith("I5"));
  // The checker counts every undecided request as lost; those still on their way when time ran out are late.
  const lost = Math.max(0, report.lost - late);
  const relabeled = late > 0 && lost === 0 ? violations.filter((v) => !v.startsWith("I3") && !v.startsWith("I4")) : violations;
  return { overIssue: report.overIssue, duplicates: report.duplicates, lost, late: Math.min(late, report.lost), violations: relabeled };
}

function percentiles(values: number[]): Percentiles | null {
  const sorted = sortedNumbers(values);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  return p50 === undefined || p99 === undefined ? null : { p50: round(p50, 1), p99: round(p99, 1) };
}

function lastAnswer(shots: Shot[], started: number): number {
  return shots.reduce((last, s) => (s.status !== 0 ? Math.max(last, s.answeredAt) : last), started + 1);
}

function statuses(counters: LoadCounters): string {
  return [...counters.byStatus].map(([status, n]) => `${status === 0 ? "none" : status}:${n}`).join(" ");
}

function line(r: PhaseResult): string {
  const decision = r.decisionMs ? ` · decision p50/p99 ${r.decisionMs.p50}/${r.decisionMs.p99} ms` : "";
  const c = r.correctness;
  const late = c && c.late > 0 ? ` · ${c.late} still undecided when the drain time was up` : "";
  const check = c ? ` · over-issue ${c.overIssue}, duplicates ${c.duplicates}, lost ${c.lost}` : "";
  const cpu = Object.entries(r.cpu.microsPerRequest)
    .map(([name, us]) => `${name} ${us}`)
    .join(", ");
  const i = r.issuer;
  const batches = i
    ? `\n      api: ${i.messagesPerSend} messages per Kafka send, ${i.ackMsPerSend} ms to its ack; issuer: ${i.batches} batches of ${i.requestsPerBatch} requests, Postgres ${i.postgresMsPerBatch} ms and Redis ${i.redisMsPerBatch} ms per batch`
    : "";
  return `${r.requests} requests in ${r.seconds} s · ${r.acceptedPerSecond} accepted/s · answer p50/p99 ${r.answerMs?.p50}/${r.answerMs?.p99} ms${decision}${late}${check}\n      CPU µs per request: ${cpu}; machine ${r.cpu.machineBusyPercent}% busy${batches}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
