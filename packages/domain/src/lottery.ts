import { createHash } from "node:crypto";

/**
 * The lottery draw, re-runnable by anyone from the published seed and the exported entries:
 * entries are sorted by user id (byte order), shuffled with Fisher–Yates driven by SHA-256(seed ":" counter),
 * and the first `count` are the winners.
 */
export function drawWinners(userIds: readonly string[], seed: string, count: number): string[] {
  const order = [...new Set(userIds)].sort(compareBytes);
  const random = seededIntegers(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, Math.max(0, count));
}

export function seedHash(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

/** Uniform integers in [0, bound) without modulo bias, from SHA-256 in counter mode. */
function seededIntegers(seed: string): (bound: number) => number {
  let counter = 0;
  const LIMIT = 2 ** 48;
  return (bound) => {
    const ceiling = LIMIT - (LIMIT % bound);
    for (;;) {
      const digest = createHash("sha256").update(`${seed}:${counter++}`).digest();
      const value = digest.readUIntBE(0, 6);
      if (value < ceiling) return value % bound;
    }
  };
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
