import type { PublishedLottery } from "@dibs/domain";

/** What a coupon read needs of its lottery's record to publish it: the draw's, never the sealed secret. */
export const WITH_DRAW_RECORD = {
  secret: { select: { revealedAt: true, secret: true, entrantsHash: true, drawSeed: true, entrantCount: true } },
} as const;

interface DrawRecordRow {
  revealedAt: Date | null;
  secret: string | null;
  entrantsHash: string | null;
  drawSeed: string | null;
  entrantCount: number | null;
}

/** Null for a coupon that is not a lottery. The secret is published only once revealed. */
export function toPublishedLottery(row: {
  seedHash: string | null;
  drawnAt: Date | null;
  issuedCount: number;
  secret: DrawRecordRow | null;
}): PublishedLottery | null {
  if (!row.seedHash) return null;
  const record = row.secret;
  if (!row.drawnAt || !record?.revealedAt || !record.secret || !record.drawSeed) return { seedHash: row.seedHash, draw: null };
  return {
    seedHash: row.seedHash,
    draw: {
      drawnAt: row.drawnAt,
      secret: record.secret,
      entrantsHash: record.entrantsHash,
      seed: record.drawSeed,
      entrants: record.entrantCount ?? 0,
      winners: row.issuedCount,
    },
  };
}
