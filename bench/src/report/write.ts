import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir } from "../infra/paths.ts";
import type { PhaseResult } from "../run/phases.ts";
import type { BenchResults, StrategyResult } from "./results.ts";
import { chart } from "./svg.ts";
import { evaluateTargets, fmt, type TargetResult } from "./targets.ts";

const RESULTS = join(benchDir, "results");

/** bench/results/latest.{md,json,svg}; prints the markdown too. */
export async function writeResults(results: BenchResults): Promise<void> {
  const targets = evaluateTargets(results.strategies, results.drain, results.profile);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "latest.json"), `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
  writeFileSync(join(RESULTS, "latest.svg"), chart(results.strategies));
  const markdown = render(results, targets);
  writeFileSync(join(RESULTS, "latest.md"), markdown);
  console.log(`\n${markdown}`);
  console.log(`written: bench/results/latest.md, latest.json, latest.svg`);
}

function render(results: BenchResults, targets: TargetResult[]): string {
  const { profile, machine } = results;
  const offered = Math.round(profile.sale.requests / profile.sale.burstSeconds);
  const lines = [
    `Run of ${machine.before.at.slice(0, 16).replace("T", " ")} UTC on ${machine.before.cpus} × ${machine.before.cpuModel}, ${machine.before.memoryGb} GB, Node ${machine.before.node}; ` +
      `load average ${machine.before.loadAverage.join(" ")} before and ${machine.after.loadAverage.join(" ")} after; ${results.seconds} s in all.`,
    `Load generator, servers, Kafka, Redis and Postgres share these cores. Sale: ${fmt(profile.sale.requests)} requests from ${fmt(profile.sale.users)} users ` +
      `for a stock of ${fmt(profile.sale.stock)}, arriving within ${profile.sale.burstSeconds} s (${fmt(offered)}/s offered, open loop). ` +
      `Capacity: ${profile.capacity.connections} connections for ${profile.capacity.seconds} s on a coupon that never sells out. ` +
      `After sell-out: ${profile.soldOut.connections} connections for ${profile.soldOut.seconds} s on the sold-out coupon.`,
    "",
    `| strategy | accepted/s (capacity) | answer p50 / p99 at ${fmt(offered)}/s | decision p50 / p99 at ${fmt(offered)}/s | durable issues/s (capacity) | answers/s after sell-out | over-issue | duplicates | lost |`,
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...results.strategies.map(row),
    "",
    "| target | goal | measured | met |",
    "|---|---|---|---|",
    ...targets.map((t) => `| ${t.id} | ${t.goal} | ${t.measured} | ${t.met === null ? "not measured" : t.met ? "**yes**" : "**no**"} |`),
  ];
  if (results.drain.length > 0) {
    lines.push("", "| issuer drain | requests | issued | coupons/s | seconds from first issue | seconds from issuer start |", "|---|--:|--:|--:|--:|--:|");
    for (const d of results.drain) {
      lines.push(
        `| ${d.coupons === 1 ? "1 hot coupon" : `${d.coupons} coupons`} | ${fmt(d.requests)} | ${fmt(d.issued)} | ${fmt(d.issuedPerSecond)} | ${d.seconds} | ${d.totalSeconds} |`,
      );
    }
  }
  const remarks = results.strategies.flatMap(remarksOf);
  if (remarks.length > 0) lines.push("", ...remarks.map((r) => `- ${r}`));
  lines.push(
    "",
    "<details><summary>Every phase</summary>",
    "",
    "| strategy | phase | requests | seconds | answers | accepted/s | answers/s | answer p50/p99 ms | decision p50/p99 ms | issued | issues/s |",
    "|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|",
  );
  for (const s of results.strategies) for (const p of s.phases) lines.push(phaseRow(s, p));
  lines.push(
    "",
    "CPU time per request, in µs, from the start of the load until its decisions drained (Postgres and Redis: all their processes, other clients' too, but for the decision watcher's own Postgres backends, shown as `watcher`).",
    "",
    `| strategy | phase | ${CPU_GROUPS.join(" | ")} | machine busy |`,
    `|---|---|${CPU_GROUPS.map(() => "--:").join("|")}|--:|`,
  );
  for (const s of results.strategies) for (const p of s.phases) lines.push(cpuRow(s, p));
  lines.push("", "</details>", "");
  return lines.join("\n");
}

function row(s: StrategyResult): string {
  const sale = s.phases.find((p) => p.phase === "sale");
  const capacity = s.phases.find((p) => p.phase === "capacity");
  const soldOut = s.phases.find((p) => p.phase === "sold-out");
  const checked = s.phases.flatMap((p) => (p.correctness ? [p.correctness] : []));
  const total = (key: "overIssue" | "duplicates" | "lost" | "late") => checked.reduce((n, c) => n + c[key], 0);
  const sum = (key: "overIssue" | "duplicates" | "lost") => (checked.length === 0 ? "–" : bad(total(key)));
  const late = total("late") > 0 ? ` (${fmt(total("late"))} late)` : "";
  return [
    `**${s.name}**`,
    capacity ? fmt(capacity.acceptedPerSecond) : "–",
    pair(sale?.answerMs),
    pair(sale?.decisionMs),
    capacity?.issuedPerSecond ? fmt(capacity.issuedPerSecond) : "–",
    soldOut ? fmt(soldOut.answersPerSecond) : "–",
    sum("overIssue"),
    sum("duplicates"),
    `${sum("lost")}${late}`,
  ]
    .join(" | ")
    .replace(/^/, "| ")
    .concat(" |");
}

function phaseRow(s: StrategyResult, p: PhaseResult): string {
  const answers = Object.entries(p.answers)
    .map(([status, n]) => `${status}: ${fmt(n)}`)
    .join(", ");
  return `| ${s.name} | ${p.phase} | ${fmt(p.requests)} | ${p.seconds} | ${answers} | ${fmt(p.acceptedPerSecond)} | ${fmt(p.answersPerSecond)} | ${pair(p.answerMs)} | ${pair(p.decisionMs)} | ${fmt(p.issued)} | ${p.issuedPerSecond ? fmt(p.issuedPerSecond) : "–"} |`;
}

const CPU_GROUPS = ["api", "worker", "broker", "postgres", "redis", "generator", "watcher"];

function cpuRow(s: StrategyResult, p: PhaseResult): string {
  const cells = CPU_GROUPS.map((g) => (p.cpu.microsPerRequest[g] === undefined ? "–" : fmt(p.cpu.microsPerRequest[g]!)));
  return `| ${s.name} | ${p.phase} | ${cells.join(" | ")} | ${p.cpu.machineBusyPercent}% |`;
}

function remarksOf(s: StrategyResult): string[] {
  const remarks = s.notes.map((n) => `${s.name}: ${n}`);
  for (const p of s.phases) {
    for (const v of p.correctness?.violations ?? []) remarks.push(`${s.name}, ${p.phase}: **${v}**`);
    const unanswered = p.answers.none ?? 0;
    if (unanswered > 0) remarks.push(`${s.name}, ${p.phase}: ${fmt(unanswered)} requests got no answer in time`);
  }
  return remarks;
}

function pair(p: { p50: number; p99: number } | null | undefined): string {
  return p ? `${ms(p.p50)} / ${ms(p.p99)}` : "–";
}

function ms(value: number): string {
  return value >= 1_000 ? `${(value / 1_000).toFixed(1)} s` : `${value} ms`;
}

function bad(n: number): string {
  return n > 0 ? `**${fmt(n)}**` : "0";
}
