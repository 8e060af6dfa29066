-- The generation of the Redis gate that Postgres last rebuilt it for. Reading a coupon's ledger to rebuild the gate
-- advances it, under the coupon's row lock; a batch is recorded only with the generation its gate decided it under.
-- An issuer that gated a batch on a gate another one has since rebuilt is refused, and decides that batch again.
ALTER TABLE "coupon" ADD COLUMN "gate_epoch" INTEGER NOT NULL DEFAULT 0;
