import type { IssueStore } from "@dibs/domain";
import { afterEach, describe, expect, it, vi } from "vitest";
import { faultBeforeRecording, plannedFault } from "../src/fault-points.ts";

afterEach(() => vi.restoreAllMocks());

describe("test-only fault points", () => {
  it("plan nothing unless a point is named", () => {
    expect(plannedFault(undefined, 3)).toBeUndefined();
  });

  it("SIGKILL the process the Nth time the named point is reached, and only there", () => {
    const kill = vi.spyOn(process, "kill").mockReturnValue(true);
    const reach = plannedFault("after-db-commit", 3)!;
    reach("after-gate");
    reach("after-db-commit");
    reach("after-db-commit");
    expect(kill).not.toHaveBeenCalled();
    reach("after-db-commit");
    expect(kill).toHaveBeenCalledWith(process.pid, "SIGKILL");
  });

  it("reach after-gate before a non-empty batch is recorded", async () => {
    const calls: string[] = [];
    const store: IssueStore = {
      findCoupons: async () => new Map(),
      ledger: async () => null,
      ledgerForRebuild: async () => null,
      record: async () => {
        calls.push("record");
        return { conflicts: [], recorded: [] };
      },
    };
    const wrapped = faultBeforeRecording(store, (point) => calls.push(point));
    await wrapped.record({ decided: [] });
    await wrapped.record({ decided: [{ requestId: "r", couponId: "c", userId: "u", acceptedAt: new Date(), decision: "ISSUED", holding: 1 }] });
    expect(calls).toEqual(["record", "after-gate", "record"]);
  });
});
