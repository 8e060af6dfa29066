import type { IssueGate, IssueStore } from "@dibs/domain";
import { overriding } from "@dibs/domain/testing";
import type { IssuerWrappers } from "@dibs/issuer/wiring";

/*
 * Faults the suite plants in an issuer process, read from its environment by the suite's own entry
 * (issuer-with-faults.ts), never by the issuer's configuration:
 *   DIBS_FAULT_POINT=after-gate        SIGKILL once the gate has decided a batch, before Postgres records it
 *   DIBS_FAULT_POINT=after-db-commit   SIGKILL once Postgres has recorded a batch, before its offset is committed
 *   DIBS_FAULT_AFTER_BATCHES=N         ... the N-th time the point is reached (default 1)
 *   DIBS_FAULT_LYING_GATE_PREFIX=p     the gate says ISSUED (a first coupon) to every user whose id starts with p,
 *                                      whatever that user holds: Postgres then overrules it after every rebuild
 */
const FAULT_POINTS = ["after-gate", "after-db-commit"] as const;
type FaultPoint = (typeof FAULT_POINTS)[number];

export function faultWrappers(env: NodeJS.ProcessEnv, kill: () => void = () => process.kill(process.pid, "SIGKILL")): IssuerWrappers {
  const point = env.DIBS_FAULT_POINT as FaultPoint | undefined;
  if (point && !FAULT_POINTS.includes(point)) throw new Error(`DIBS_FAULT_POINT must be one of ${FAULT_POINTS.join(", ")}, not ${point}`);
  const reach = countdown(Number(env.DIBS_FAULT_AFTER_BATCHES ?? 1), kill);
  const prefix = env.DIBS_FAULT_LYING_GATE_PREFIX;
  return {
    ...(point === "after-gate" ? { store: (store: IssueStore) => killBeforeRecording(store, reach) } : {}),
    ...(point === "after-db-commit"
      ? { control: (control) => ({ ...control, commit: (partition, offset) => (reach(), control.commit(partition, offset)) }) }
      : {}),
    ...(prefix ? { gate: (gate: IssueGate) => lyingTo(prefix, gate) } : {}),
  } satisfies IssuerWrappers;
}

/** SIGKILL, not exit(): no finally block, no graceful shutdown, nothing flushed, as when the machine dies. */
function countdown(times: number, kill: () => void): () => void {
  let reached = 0;
  return () => {
    if (++reached >= times) kill();
  };
}

function killBeforeRecording(store: IssueStore, reach: () => void): IssueStore {
  return overriding(store, {
    record: (batch) => {
      if (batch.decided.length > 0) reach();
      return store.record(batch);
    },
  });
}

function lyingTo(prefix: string, gate: IssueGate): IssueGate {
  return overriding(gate, {
    decide: async (coupon, requests) => {
      const decided = await gate.decide(coupon, requests);
      if (!decided) return null;
      const verdicts = decided.verdicts.map((v, i) => (requests[i]!.userId.startsWith(prefix) ? { decision: "ISSUED" as const, holding: 1 } : v));
      return { ...decided, verdicts };
    },
  });
}
