import { describe, expect, it } from "vitest";
import { AbandonedError, retryUntilDone } from "../src/retry.ts";

function control(overrides: Partial<Parameters<typeof retryUntilDone>[1]> = {}) {
  const retries: number[] = [];
  return {
    retries,
    control: {
      shouldContinue: () => true,
      heartbeat: async () => undefined,
      onRetry: (_: unknown, attempt: number) => void retries.push(attempt),
      ...overrides,
    },
  };
}

describe("retryUntilDone", () => {
  it("retries a failing step until it succeeds, never skipping it", async () => {
    let calls = 0;
    const { retries, control: c } = control();
    const result = await retryUntilDone(async () => {
      calls += 1;
      if (calls < 3) throw new Error("postgres restarting");
      return "recorded";
    }, c);
    expect(result).toBe("recorded");
    expect(retries).toEqual([1, 2]);
  });

  it("abandons the batch, without running it, once the consumer must stop", async () => {
    let ran = false;
    const { control: c } = control({ shouldContinue: () => false });
    await expect(
      retryUntilDone(async () => {
        ran = true;
      }, c),
    ).rejects.toBeInstanceOf(AbandonedError);
    expect(ran).toBe(false);
  });

  it("keeps the group membership alive while it waits", async () => {
    let heartbeats = 0;
    let calls = 0;
    const { control: c } = control({ heartbeat: async () => void (heartbeats += 1) });
    await retryUntilDone(async () => {
      calls += 1;
      if (calls < 5) throw new Error("redis unreachable");
    }, c);
    expect(heartbeats).toBeGreaterThan(0);
  });
});
