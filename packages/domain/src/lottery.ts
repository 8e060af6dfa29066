import { createHash } from "node:crypto";

/**
 * The lottery draw, re-runnable by anyone. A lottery commits to a random secret when it is created and publishes
 * `seedHash = SHA-256(secret)`; the secret stays sealed until the draw. The draw's seed is derived from the secret and
 * the final entrant list, so no one knows it before the entries are all in, and the secret is revealed with the
 * winners. To check a draw: `seedHash(secret)` is the hash published before, `entrantsHash(entrants)` is the one the
 * draw published, and `drawWinners(entrants, drawSeed(secret, entrantsHash(entrants)), count)` are its winners.
 */

/** What a lottery publishes: its commitment from the start, and once drawn what anyone needs to re-run the draw. */
export interface PublishedLottery {
  seedHash: string;
  draw: PublishedDraw | null;
}

export interface PublishedDraw {
  drawnAt: Date;
  /** The secret that `seedHash` committed to, revealed at the draw. */
  secret: string;
  /** Null for a draw made before seeds were derived from the entrants: its seed is the secret itself. */
  entrantsHash: string | null;
  seed: string;
  entrants: number;
  winners: number;
}

/** Entries sorted by user id (UTF-8 bytes), shuffled with Fisher–Yates driven by SHA-256(seed ":" counter); the first `count` win. */
export function drawWinners(userIds: readonly string[], seed: string, count: number): string[] {
  const order = distinctSorted(userIds);
  const random = seededIntegers(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, Math.max(0, count));
}

/** The draw as it runs: the seed derived from the secret and the entrants, then drawWinners. */
export function drawFromSecret(secret: string, userIds: readonly string[], count: number): { entrantsHash: string; seed: string; winners: string[] } {
  const hashed = entrantsHash(userIds);
  const seed = drawSeed(secret, hashed);
  return { entrantsHash: hashed, seed, winners: drawWinners(userIds, seed, count) };
}

/** The commitment published from the lottery's creation: SHA-256 of the secret (its 64 hex characters), in hex. */
export function seedHash(secret: string): string {
  return sha256Hex(secret);
}

/** SHA-256 of the distinct user ids, sorted by their UTF-8 bytes and joined by "\n" (no user id holds a line break). */
export function entrantsHash(userIds: readonly string[]): string {
  return sha256Hex(distinctSorted(userIds).join("\n"));
}

/** SHA-256(secret ":" entrantsHash), in hex: unknowable before the draw, since the secret is sealed until then. */
export function drawSeed(secret: string, entrantsHash: string): string {
  return sha256Hex(`${secret}:${entrantsHash}`);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function distinctSorted(userIds: readonly string[]): string[] {
  return [...new Set(userIds)].sort(compareBytes);
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
