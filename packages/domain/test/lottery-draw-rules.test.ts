import { describe, expect, it } from "vitest";
import { DRAW_SLACK_MS, drawWindowRefusal, lotteryEndRefusal, partitionRefusal } from "../src/lottery-draw-rules.ts";

const endsAt = new Date("2026-12-01T11:00:00Z");
const lottery = { mode: "LOTTERY" as const, endsAt };
const after = (ms: number) => new Date(endsAt.getTime() + ms);

describe("drawWindowRefusal", () => {
  it("refuses a coupon that is not a lottery, and a lottery that has not ended", () => {
    expect(drawWindowRefusal({ mode: "FIRST_COME", endsAt }, 5_000, after(60_000))?.code).toBe("INVALID_COUPON");
    expect(drawWindowRefusal({ mode: "LOTTERY", endsAt: null }, 5_000, after(60_000))?.code).toBe("COUPON_NOT_ENDED");
    expect(drawWindowRefusal(lottery, 5_000, after(-1))?.code).toBe("COUPON_NOT_ENDED");
    expect(lotteryEndRefusal(lottery, endsAt)).toBeNull();
  });

  it("refuses until every entry accepted before the end has had its answer, and says how long to wait", () => {
    const refusal = drawWindowRefusal(lottery, 5_000, after(2_000));
    expect(refusal?.code).toBe("ENTRIES_IN_FLIGHT");
    expect(refusal?.message).toContain(after(5_000 + DRAW_SLACK_MS).toISOString());
    expect(refusal?.details).toEqual({ retryAfterSeconds: 4 });
    expect(drawWindowRefusal(lottery, 5_000, after(5_000 + DRAW_SLACK_MS - 1))?.code).toBe("ENTRIES_IN_FLIGHT");
  });

  it("lets the draw look at the log once the publishers' deadline and the slack have passed", () => {
    expect(drawWindowRefusal(lottery, 5_000, after(5_000 + DRAW_SLACK_MS))).toBeNull();
  });
});

describe("partitionRefusal", () => {
  it("lets the draw run once the issuers committed the coupon's partition up to the target", () => {
    expect(partitionRefusal({ partition: 2, committed: 120, target: 120 })).toBeNull();
    expect(partitionRefusal({ partition: 2, committed: 150, target: 120 })).toBeNull();
  });

  it("refuses while requests of the coupon's partition are not recorded, naming the partition and what is missing", () => {
    const refusal = partitionRefusal({ partition: 2, committed: 100, target: 120 });
    expect(refusal?.code).toBe("ENTRIES_IN_FLIGHT");
    expect(refusal?.message).toContain("partition 2");
    expect(refusal?.message).toContain("20 requests");
    expect(refusal?.details).toEqual({ retryAfterSeconds: 1 });
  });
});
