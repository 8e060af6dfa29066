import { describe, expect, it } from "vitest";
import { drawWinners, seedHash } from "../src/lottery.ts";

const entrants = Array.from({ length: 50 }, (_, i) => `user-${i}`);

describe("drawWinners", () => {
  it("picks `count` distinct entrants", () => {
    const winners = drawWinners(entrants, "seed-1", 10);
    expect(winners).toHaveLength(10);
    expect(new Set(winners).size).toBe(10);
    expect(winners.every((w) => entrants.includes(w))).toBe(true);
  });

  it("is reproducible from the seed, whatever order the entries come in", () => {
    const shuffled = [...entrants].reverse();
    expect(drawWinners(shuffled, "seed-1", 10)).toEqual(drawWinners(entrants, "seed-1", 10));
  });

  it("draws differently with another seed", () => {
    expect(drawWinners(entrants, "seed-2", 10)).not.toEqual(drawWinners(entrants, "seed-1", 10));
  });

  it("gives everyone a win when there are fewer entrants than stock", () => {
    expect(drawWinners(["b", "a", "a"], "s", 5).sort()).toEqual(["a", "b"]);
  });

  it("is close to uniform over many draws", () => {
    const wins = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) for (const w of drawWinners(entrants.slice(0, 10), `seed-${i}`, 1)) wins.set(w, (wins.get(w) ?? 0) + 1);
    for (const count of wins.values()) expect(count).toBeGreaterThan(140);
  });

  it("publishes a commitment to the seed", () => {
    expect(seedHash("seed-1")).toMatch(/^[0-9a-f]{64}$/);
    expect(seedHash("seed-1")).not.toBe(seedHash("seed-2"));
  });
});
