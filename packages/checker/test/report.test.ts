import { describe, expect, it } from "vitest";
import { formatTable, type ScenarioRow } from "../src/report.ts";

const row: ScenarioRow = {
  scenario: "F1 baseline",
  requests: 2000,
  accepted: 1990,
  unavailable: 0,
  issued: 200,
  stock: 200,
  duplicates: 0,
  lost: 0,
  overIssue: 0,
  drainMs: 1234,
  violations: [],
};

describe("the scenario table", () => {
  it("prints one aligned Markdown row per scenario, and every violation after the table", () => {
    const table = formatTable([row, { ...row, scenario: "F3", lost: 2, drainMs: null, violations: ["I3 2 accepted requests have no final status"] }]);
    expect(table.split("\n")).toEqual([
      "| scenario    | requests |  202 | 503 | issued/stock | duplicates | lost | over-issue | drain |   result |",
      "|-------------|---------:|-----:|----:|-------------:|-----------:|-----:|-----------:|------:|---------:|",
      "| F1 baseline |     2000 | 1990 |   0 |      200/200 |          0 |    0 |          0 | 1.2 s |       ok |",
      "| F3          |     2000 | 1990 |   0 |      200/200 |          0 |    2 |          0 | never | FAIL (1) |",
      "F3: I3 2 accepted requests have no final status",
    ]);
  });
});
