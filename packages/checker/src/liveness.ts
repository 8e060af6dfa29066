import { consumerLag } from "@dibs/ops";
import type { Admin } from "kafkajs";

export interface LivenessReport {
  /** How long after the fault healed the group's lag reached 0; null when it did not within the bound. */
  drainedInMs: number | null;
  /** The lag last seen. */
  lag: number;
  violations: string[];
}

/**
 * I6 liveness: once the fault has healed, the consumer group's lag on the request topic returns to 0 within
 * `boundMs` (committed offsets against the high watermarks: everything acknowledged was decided and committed).
 */
export async function checkLiveness(admin: Admin, groupId: string, healedAt: number, boundMs: number, pollMs = 250): Promise<LivenessReport> {
  const deadline = healedAt + boundMs;
  for (;;) {
    const lag = (await consumerLag(admin, groupId)).reduce((sum, p) => sum + p.lag, 0);
    if (lag === 0) return { drainedInMs: Date.now() - healedAt, lag, violations: [] };
    if (Date.now() > deadline) {
      return { drainedInMs: null, lag, violations: [`I6 consumer group ${groupId} still ${lag} messages behind ${boundMs} ms after the fault healed`] };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
