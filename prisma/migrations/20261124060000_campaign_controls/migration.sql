-- Per-user limits: a user's n-th issue of a coupon is unique on (coupon_id, user_id, seq).
ALTER TABLE "coupon" ADD COLUMN "per_user_limit" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "coupon_issue" ADD COLUMN "seq" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "issue_decision" ADD COLUMN "holding" INTEGER;

-- DropIndex
DROP INDEX "coupon_issue_coupon_id_user_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "coupon_issue_coupon_id_user_id_seq_key" ON "coupon_issue"("coupon_id", "user_id", "seq");

-- CreateTable
CREATE TABLE "coupon_pause" (
    "id" BIGSERIAL NOT NULL,
    "coupon_id" UUID NOT NULL,
    "paused_at" TIMESTAMPTZ(3) NOT NULL,
    "resumed_at" TIMESTAMPTZ(3),

    CONSTRAINT "coupon_pause_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_operation" (
    "operation_id" VARCHAR(128) NOT NULL,
    "coupon_id" UUID NOT NULL,
    "added" INTEGER NOT NULL,
    "actor" VARCHAR(128) NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_operation_pkey" PRIMARY KEY ("operation_id")
);

-- CreateTable
CREATE TABLE "admin_audit" (
    "id" BIGSERIAL NOT NULL,
    "actor" VARCHAR(128) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "coupon_id" UUID,
    "before" JSONB,
    "after" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "coupon_pause_coupon_id_idx" ON "coupon_pause"("coupon_id");

-- CreateIndex
CREATE INDEX "stock_operation_coupon_id_idx" ON "stock_operation"("coupon_id");

-- CreateIndex
CREATE INDEX "admin_audit_coupon_id_idx" ON "admin_audit"("coupon_id");

-- AddForeignKey
ALTER TABLE "coupon_pause" ADD CONSTRAINT "coupon_pause_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_operation" ADD CONSTRAINT "stock_operation_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddCheckConstraint: rules Prisma cannot express in the schema
ALTER TABLE "coupon" ADD CONSTRAINT "coupon_per_user_limit_positive" CHECK ("per_user_limit" >= 1);
ALTER TABLE "coupon_issue" ADD CONSTRAINT "coupon_issue_seq_positive" CHECK ("seq" >= 1);
ALTER TABLE "stock_operation" ADD CONSTRAINT "stock_operation_adds" CHECK ("added" > 0);

-- The audit is append-only: no update, no delete.
CREATE FUNCTION "admin_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'admin_audit is append-only';
END;
$$;
CREATE TRIGGER "admin_audit_no_change" BEFORE UPDATE OR DELETE ON "admin_audit"
  FOR EACH ROW EXECUTE FUNCTION "admin_audit_append_only"();
