import type { DrainResult } from "../run/drain.ts";
import type { PhaseResult } from "../run/phases.ts";
import type { StrategyName } from "../run/strategies.ts";
import type { BenchProfile } from "../settings.ts";
import type { Machine } from "./machine.ts";

export interface StrategyResult {
  name: StrategyName;
  summary: string;
  phases: PhaseResult[];
  notes: string[];
}

/** Everything one run measured: what bench/results/latest.json holds. */
export interface BenchResults {
  profile: BenchProfile;
  machine: { before: Machine; after: Machine };
  strategies: StrategyResult[];
  drain: DrainResult[];
  seconds: number;
}
