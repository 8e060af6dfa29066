import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { drawFromSecret, drawSeed, drawWinners, entrantsHash, seedHash } from "../src/lottery.ts";

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

  it("publishes a commitment to the secret", () => {
    expect(seedHash("seed-1")).toMatch(/^[0-9a-f]{64}$/);
    expect(seedHash("seed-1")).not.toBe(seedHash("seed-2"));
  });
});

describe("the seed of a draw", () => {
  const secret = "5f".repeat(32);

  it("hashes the entrants as documented: distinct ids sorted by UTF-8 bytes, one per line", () => {
    // "é" (C3 A9) sorts after "z" (7A) by bytes, though before it in most locales; "Z" (5A) before "a".
    const ids = ["z", "é", "a", "Z", "a"];
    expect(entrantsHash(ids)).toBe(createHash("sha256").update("Z\na\nz\né").digest("hex"));
    expect(entrantsHash([...ids].reverse())).toBe(entrantsHash(ids));
  });

  it("is SHA-256 of the secret and the entrants' hash, so it changes with any entrant", () => {
    const hashed = entrantsHash(entrants);
    expect(drawSeed(secret, hashed)).toBe(createHash("sha256").update(`${secret}:${hashed}`).digest("hex"));
    expect(drawSeed(secret, entrantsHash([...entrants, "user-50"]))).not.toBe(drawSeed(secret, hashed));
    expect(drawSeed("6e".repeat(32), hashed)).not.toBe(drawSeed(secret, hashed));
  });

  it("re-runs from the public record: the revealed secret matches the commitment, and the winners follow from the entrants", () => {
    const published = { seedHash: seedHash(secret), ...drawFromSecret(secret, entrants, 10) };
    expect(seedHash(secret)).toBe(published.seedHash);
    expect(entrantsHash([...entrants].reverse())).toBe(published.entrantsHash);
    expect(drawWinners([...entrants].reverse(), drawSeed(secret, published.entrantsHash), 10)).toEqual(published.winners);
    expect(published.winners).toHaveLength(10);
  });

  it("gives other winners when an entrant is added at the last moment", () => {
    const before = drawFromSecret(secret, entrants, 10).winners;
    const after = drawFromSecret(secret, [...entrants, "latecomer"], 10).winners;
    expect(after).not.toEqual(before);
  });
});
