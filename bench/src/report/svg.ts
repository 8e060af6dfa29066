import type { StrategyResult } from "./results.ts";

const WIDTH = 760;
const LABEL = 140;
const BAR = 18;
const GAP = 8;
const PLOT = WIDTH - LABEL - 90;

/** Two panels: accepted requests/s (capacity), and decision latency p50/p99 in the sale (and dibs' steady load), log scale. */
export function chart(strategies: StrategyResult[]): string {
  const rows = strategies.map((s) => ({
    name: s.name,
    accepted: s.phases.find((p) => p.phase === "capacity")?.acceptedPerSecond ?? 0,
    decision: s.phases.find((p) => p.phase === "sale")?.decisionMs ?? null,
  }));
  const steady = strategies.find((s) => s.name === "dibs")?.phases.find((p) => p.phase === "steady");
  const latencyRows = [
    ...rows,
    ...(steady?.decisionMs ? [{ name: `dibs, ${steady.acceptedPerSecond.toLocaleString("en-US")}/s`, accepted: 0, decision: steady.decisionMs }] : []),
  ];
  const panel = rows.length * (BAR + GAP) + 40;
  const height = panel + latencyRows.length * (BAR + GAP) + 70;
  const maxAccepted = Math.max(1, ...rows.map((r) => r.accepted));
  const maxLatency = Math.max(10, ...latencyRows.map((r) => r.decision?.p99 ?? 0));
  const log = (ms: number) => (Math.log10(Math.max(1, ms)) / Math.log10(maxLatency)) * PLOT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    title(20, "Accepted requests/s (closed loop, coupon never sells out)"),
  ];
  rows.forEach((r, i) => {
    const y = 32 + i * (BAR + GAP);
    parts.push(
      label(y, r.name),
      bar(y, (r.accepted / maxAccepted) * PLOT, color(r.name)),
      value(y, (r.accepted / maxAccepted) * PLOT, r.accepted.toLocaleString("en-US")),
    );
  });
  const top = panel + 20;
  parts.push(title(top, "Request → decision latency in the sale, and dibs under a load it keeps up with; p50 (dark), p99 (light), log scale"));
  for (const [i, r] of latencyRows.entries()) {
    const y = top + 12 + i * (BAR + GAP);
    parts.push(label(y, r.name));
    if (!r.decision) {
      parts.push(value(y, 0, "no decisions"));
      continue;
    }
    parts.push(
      bar(y, log(r.decision.p99), color(r.name), 0.35),
      bar(y, log(r.decision.p50), color(r.name)),
      value(y, log(r.decision.p99), `${ms(r.decision.p50)} / ${ms(r.decision.p99)}`),
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function title(y: number, text: string): string {
  return `<text x="10" y="${y}" font-weight="bold">${text}</text>`;
}

function label(y: number, name: string): string {
  return `<text x="${LABEL - 8}" y="${y + BAR - 5}" text-anchor="end">${name}</text>`;
}

function bar(y: number, width: number, fill: string, opacity = 1): string {
  return `<rect x="${LABEL}" y="${y}" width="${Math.max(1, width).toFixed(1)}" height="${BAR}" fill="${fill}" fill-opacity="${opacity}"/>`;
}

function value(y: number, width: number, text: string): string {
  return `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + BAR - 5}">${text}</text>`;
}

function color(name: string): string {
  if (name.startsWith("dibs")) return "#1a7f37";
  if (name === "ceiling") return "#8c959f";
  return "#0969da";
}

function ms(value: number): string {
  return value >= 1_000 ? `${(value / 1_000).toFixed(1)} s` : `${value} ms`;
}
