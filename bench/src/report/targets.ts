import type { DrainResult } from "../run/drain.ts";
import type { PhaseName, PhaseResult } from "../run/phases.ts";
import type { BenchProfile } from "../settings.ts";
import type { StrategyResult } from "./results.ts";

export interface TargetResult {
  id: string;
  goal: string;
  measured: string;
  /** null when this run did not measure it (a strategy left out, --quick). */
  met: boolean | null;
}

function phaseOf(strategies: StrategyResult[], name: string, phase: PhaseName): PhaseResult | undefined {
  return strategies.find((s) => s.name === name)?.phases.find((p) => p.phase === phase);
}

/** What P6 adds up: every part of the pipeline an accepted request passes through, not the load generator or the watcher. */
const PIPELINE = ["api", "worker", "broker", "postgres", "redis"] as const;

/** P1–P6, each a ratio or a figure measured in this very run. */
export function evaluateTargets(strategies: StrategyResult[], drain: DrainResult[], profile: BenchProfile): TargetResult[] {
  const ceiling = phaseOf(strategies, "ceiling", "capacity")?.answersPerSecond;
  const dibs = phaseOf(strategies, "dibs", "capacity")?.acceptedPerSecond;
  const dbLock = phaseOf(strategies, "db-lock", "capacity")?.acceptedPerSecond;
  const redisLock = phaseOf(strategies, "redis-lock", "capacity")?.acceptedPerSecond;
  const soldOut = phaseOf(strategies, "dibs", "sold-out")?.answersPerSecond;
  const sale = phaseOf(strategies, "dibs", "sale");
  const steady = phaseOf(strategies, "dibs", "steady");
  const steadyRate = Math.round(profile.steady.requests / profile.steady.burstSeconds);
  const steadyNote = steady?.decisionMs ? `; p99 ${steady.decisionMs.p99} ms at ${fmt(steadyRate)}/s offered` : "";
  const hot = drain.find((d) => d.coupons === 1);
  const offered = Math.round(profile.sale.requests / profile.sale.burstSeconds);
  return [
    ratio("P1", "dibs accepted/s ≥ 0.5 × ceiling", dibs, ceiling, 0.5),
    {
      id: "P2",
      goal: "one issuer drains one hot coupon at ≥ 30,000 coupons/s (aim 50,000)",
      measured: hot ? `${fmt(hot.issuedPerSecond)} coupons/s` : "not measured",
      met: hot ? hot.issuedPerSecond >= 30_000 : null,
    },
    {
      id: "P3",
      goal: "decision latency p99 ≤ 50 ms at 5,000 requests/s offered",
      measured: sale?.decisionMs
        ? `p99 ${fmt(sale.decisionMs.p99)} ms at ${fmt(offered)}/s offered, of which dibs accepted ${fmt(sale.acceptedPerSecond)}/s${steadyNote}`
        : "not measured",
      met: sale?.decisionMs && offered >= 5_000 ? sale.decisionMs.p99 <= 50 : null,
    },
    ratio("P4", "dibs ≥ 10 × db-lock accepted/s", dibs, dbLock, 10),
    ratio("P4", "dibs ≥ 5 × redis-lock accepted/s", dibs, redisLock, 5),
    ratio("P5", "after sell-out, dibs answers ≥ 0.9 × ceiling", soldOut, ceiling, 0.9),
    pipelineCpu(phaseOf(strategies, "dibs", "capacity"), phaseOf(strategies, "ceiling", "capacity")),
  ];
}

function pipelineCpu(dibs: PhaseResult | undefined, ceiling: PhaseResult | undefined): TargetResult {
  const goal = "pipeline CPU per accepted request (capacity: API + issuer + broker + Postgres + Redis) ≤ 3 × the ceiling's API per answer";
  const base = ceiling?.cpu.microsPerRequest.api;
  if (!dibs || !base) return { id: "P6", goal, measured: "not measured", met: null };
  const parts = PIPELINE.map((g) => dibs.cpu.microsPerRequest[g] ?? 0);
  const total = parts.reduce((a, b) => a + b, 0);
  const r = total / base;
  return { id: "P6", goal, measured: `${parts.join(" + ")} = ${fmt(total)} µs / ${fmt(base)} µs = ${r.toFixed(1)}×`, met: r <= 3 };
}

function ratio(id: string, goal: string, value: number | undefined, base: number | undefined, atLeast: number): TargetResult {
  if (value === undefined || base === undefined || base === 0) return { id, goal, measured: "not measured", met: null };
  const r = value / base;
  return { id, goal, measured: `${fmt(value)} / ${fmt(base)} = ${r.toFixed(2)}×`, met: r >= atLeast };
}

export function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
