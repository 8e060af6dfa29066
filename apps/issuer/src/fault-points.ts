import type { IssueStore } from "@dibs/domain";

/**
 * Test-only crash points for the fault-injection suite (tests/faults): DIBS_FAULT_POINT names one, and the process
 * SIGKILLs itself the DIBS_FAULT_AFTER_BATCHES-th time it gets there. Unset, nothing is wrapped and nothing is called.
 *   after-gate       the Redis gate decided a batch, Postgres has not recorded it
 *   after-db-commit  Postgres committed the batch, its offsets are not committed
 */
export const FAULT_POINTS = ["after-gate", "after-db-commit"] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export type ReachFaultPoint = (point: FaultPoint) => void;

export function plannedFault(point: FaultPoint | undefined, afterBatches = 1): ReachFaultPoint | undefined {
  if (!point) return undefined;
  let reached = 0;
  return (at) => {
    // SIGKILL, not exit(): no finally block, no graceful shutdown, nothing flushed, as when the machine dies.
    if (at === point && ++reached >= afterBatches) process.kill(process.pid, "SIGKILL");
  };
}

/** The after-gate point: reached once the gate has decided, before the decisions are written. */
export function faultBeforeRecording(store: IssueStore, reach: ReachFaultPoint): IssueStore {
  return {
    findCoupons: (couponIds) => store.findCoupons(couponIds),
    ledger: (couponId) => store.ledger(couponId),
    ledgerForRebuild: (couponId) => store.ledgerForRebuild(couponId),
    record: (batch) => {
      if (batch.decided.length > 0) reach("after-gate");
      return store.record(batch);
    },
  };
}
