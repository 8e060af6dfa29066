/** One row of the fault suite's table: a scenario and what the checker found. */
export interface ScenarioRow {
  scenario: string;
  requests: number;
  accepted: number;
  unavailable: number;
  issued: number;
  stock: number;
  duplicates: number;
  lost: number;
  overIssue: number;
  /** From the fault healing to lag 0; null when it never drained. */
  drainMs: number | null;
  violations: string[];
}

const COLUMNS: Array<[string, (row: ScenarioRow) => string]> = [
  ["scenario", (r) => r.scenario],
  ["requests", (r) => String(r.requests)],
  ["202", (r) => String(r.accepted)],
  ["503", (r) => String(r.unavailable)],
  ["issued/stock", (r) => `${r.issued}/${r.stock}`],
  ["duplicates", (r) => String(r.duplicates)],
  ["lost", (r) => String(r.lost)],
  ["over-issue", (r) => String(r.overIssue)],
  ["drain", (r) => (r.drainMs === null ? "never" : `${(r.drainMs / 1000).toFixed(1)} s`)],
  ["result", (r) => (r.violations.length === 0 ? "ok" : `FAIL (${r.violations.length})`)],
];

/** The rows as a Markdown table, so the same text reads in a terminal and in the README. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const cells = rows.map((row) => COLUMNS.map(([, cell]) => cell(row)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  const failures = rows.flatMap((r) => r.violations.map((v) => `${r.scenario}: ${v}`));
  return [line(COLUMNS.map(([title]) => title)), rule, ...cells.map(line), ...failures].join("\n");
}
