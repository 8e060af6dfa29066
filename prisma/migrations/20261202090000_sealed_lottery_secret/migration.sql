-- A lottery's secret is kept sealed until the draw: AES-256-GCM under a key only the API holds (LOTTERY_SECRET_KEY),
-- so a database reader sees ciphertext. The draw derives its seed from the secret and the entrants' hash, then reveals
-- the secret, the hash and the seed here. The table keeps the secret and the draw's record, hence its new name.
ALTER TABLE "lottery_seed" RENAME TO "lottery_secret";
ALTER TABLE "lottery_secret" RENAME CONSTRAINT "lottery_seed_pkey" TO "lottery_secret_pkey";
ALTER TABLE "lottery_secret" RENAME CONSTRAINT "lottery_seed_coupon_id_fkey" TO "lottery_secret_coupon_id_fkey";

-- In clear once revealed. A lottery created before secrets were sealed has it in clear from the start: the key is not
-- here to seal it, so its secret stays as readable as it was; its draw derives the seed like any other's.
ALTER TABLE "lottery_secret" RENAME COLUMN "seed" TO "secret";
ALTER TABLE "lottery_secret" ALTER COLUMN "secret" DROP NOT NULL,
ADD COLUMN "sealed_secret" VARCHAR(200),
ADD COLUMN "entrants_hash" VARCHAR(64),
ADD COLUMN "draw_seed" VARCHAR(64),
ADD COLUMN "entrant_count" INTEGER;

-- Lotteries drawn before: their seed was the secret itself, and they have no entrants' hash.
UPDATE "lottery_secret" s
SET "draw_seed" = s."secret",
    "entrant_count" = (SELECT count(*) FROM "lottery_entry" e WHERE e."coupon_id" = s."coupon_id")
WHERE s."revealed_at" IS NOT NULL;

ALTER TABLE "lottery_secret" ADD CONSTRAINT "lottery_secret_kept" CHECK ("secret" IS NOT NULL OR "sealed_secret" IS NOT NULL);
-- A sealed secret is never also kept in clear before the draw.
ALTER TABLE "lottery_secret" ADD CONSTRAINT "lottery_secret_sealed_until_drawn" CHECK ("sealed_secret" IS NULL OR "secret" IS NULL OR "revealed_at" IS NOT NULL);
ALTER TABLE "lottery_secret" ADD CONSTRAINT "lottery_secret_revealed_with_its_draw" CHECK ("revealed_at" IS NULL OR ("secret" IS NOT NULL AND "draw_seed" IS NOT NULL AND "entrant_count" IS NOT NULL));
