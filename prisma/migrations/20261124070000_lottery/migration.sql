-- CreateEnum
CREATE TYPE "CouponMode" AS ENUM ('FIRST_COME', 'LOTTERY');

-- AlterTable
ALTER TABLE "coupon" ADD COLUMN "mode" "CouponMode" NOT NULL DEFAULT 'FIRST_COME',
ADD COLUMN "seed_hash" VARCHAR(64),
ADD COLUMN "drawn_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "lottery_entry" (
    "coupon_id" UUID NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "request_id" UUID NOT NULL,
    "accepted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "lottery_entry_pkey" PRIMARY KEY ("coupon_id","user_id")
);

-- CreateTable
CREATE TABLE "lottery_seed" (
    "coupon_id" UUID NOT NULL,
    "seed" VARCHAR(64) NOT NULL,
    "revealed_at" TIMESTAMPTZ(3),

    CONSTRAINT "lottery_seed_pkey" PRIMARY KEY ("coupon_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "lottery_entry_request_id_key" ON "lottery_entry"("request_id");

-- AddForeignKey
ALTER TABLE "lottery_entry" ADD CONSTRAINT "lottery_entry_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lottery_seed" ADD CONSTRAINT "lottery_seed_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddCheckConstraint: a lottery commits to its seed from the start
ALTER TABLE "coupon" ADD CONSTRAINT "coupon_lottery_has_seed_hash" CHECK ("mode" = 'FIRST_COME' OR "seed_hash" IS NOT NULL);
