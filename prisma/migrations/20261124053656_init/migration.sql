-- CreateEnum
CREATE TYPE "Decision" AS ENUM ('ISSUED', 'DUPLICATE', 'SOLD_OUT', 'REJECTED');

-- CreateTable
CREATE TABLE "coupon" (
    "id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "stock" INTEGER NOT NULL,
    "issued_count" INTEGER NOT NULL DEFAULT 0,
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "coupon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coupon_issue" (
    "id" BIGSERIAL NOT NULL,
    "coupon_id" UUID NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "request_id" UUID NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "coupon_issue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "issue_decision" (
    "request_id" UUID NOT NULL,
    "coupon_id" UUID NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "decision" "Decision" NOT NULL,
    "reason" VARCHAR(500),
    "accepted_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "issue_decision_pkey" PRIMARY KEY ("request_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "coupon_issue_request_id_key" ON "coupon_issue"("request_id");

-- CreateIndex
CREATE INDEX "coupon_issue_user_id_idx" ON "coupon_issue"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "coupon_issue_coupon_id_user_id_key" ON "coupon_issue"("coupon_id", "user_id");

-- CreateIndex
CREATE INDEX "issue_decision_coupon_id_decision_idx" ON "issue_decision"("coupon_id", "decision");

-- AddForeignKey
ALTER TABLE "coupon_issue" ADD CONSTRAINT "coupon_issue_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "issue_decision" ADD CONSTRAINT "issue_decision_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddCheckConstraint: rules Prisma cannot express in the schema
ALTER TABLE "coupon" ADD CONSTRAINT "coupon_stock_non_negative" CHECK ("stock" >= 0);

-- AddCheckConstraint
ALTER TABLE "coupon" ADD CONSTRAINT "coupon_issued_count_within_stock" CHECK ("issued_count" >= 0 AND "issued_count" <= "stock");

-- AddCheckConstraint
ALTER TABLE "coupon" ADD CONSTRAINT "coupon_ends_after_starts" CHECK ("ends_at" IS NULL OR "starts_at" IS NULL OR "ends_at" > "starts_at");
