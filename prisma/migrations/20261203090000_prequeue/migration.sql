-- A first-come campaign may open a pre-queue: requests accepted in the `prequeue_seconds` before `starts_at` are
-- entries (lottery_entry), put in a random order at the start, drawn from a secret committed in advance (seed_hash,
-- lottery_secret), and issued first in that order. `prequeue_drawn_at` is when that order was drawn and decided.
ALTER TABLE "coupon"
ADD COLUMN "prequeue_seconds" INTEGER,
ADD COLUMN "prequeue_drawn_at" TIMESTAMPTZ(3),
ADD CONSTRAINT "coupon_prequeue_check" CHECK (
  "prequeue_seconds" IS NULL
  OR ("prequeue_seconds" BETWEEN 1 AND 86400 AND "starts_at" IS NOT NULL AND "mode" = 'FIRST_COME')
);

-- A pre-queue entry's place in the drawn order, on its decision.
ALTER TABLE "issue_decision" ADD COLUMN "queue_position" INTEGER;
