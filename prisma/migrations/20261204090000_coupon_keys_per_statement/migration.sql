-- The foreign keys from issue_decision and coupon_issue to coupon were checked row by row: a lookup of the coupon and a
-- KEY SHARE lock of its row for every decision and every issue, a quarter of the time a large batch takes to insert,
-- though a batch names one coupon or a few. The same rule is now checked once per statement: after an insert (or an
-- update) every coupon the new rows name is locked once (KEY SHARE, as the foreign key did, so it cannot be deleted
-- under them) and must exist; a coupon that decisions or issues name cannot be deleted, nor its id changed. Violations
-- raise foreign_key_violation (23503), as before. Unlike the foreign key, TRUNCATE coupon ... CASCADE does not reach
-- these two tables: name them.

ALTER TABLE "issue_decision" DROP CONSTRAINT "issue_decision_coupon_id_fkey";
ALTER TABLE "coupon_issue" DROP CONSTRAINT "coupon_issue_coupon_id_fkey";

CREATE FUNCTION "rows_name_existing_coupons"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing uuid;
BEGIN
  PERFORM 1 FROM "coupon" WHERE "id" IN (SELECT "coupon_id" FROM new_rows) ORDER BY "id" FOR KEY SHARE;
  SELECT n."coupon_id" INTO missing FROM new_rows n
  WHERE NOT EXISTS (SELECT 1 FROM "coupon" c WHERE c."id" = n."coupon_id") LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%_coupon_id_fkey"', TG_TABLE_NAME, TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (coupon_id)=(%s) is not present in table "coupon".', missing);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "issue_decision_coupon_exists_after_insert" AFTER INSERT ON "issue_decision"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rows_name_existing_coupons"();
CREATE TRIGGER "issue_decision_coupon_exists_after_update" AFTER UPDATE ON "issue_decision"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rows_name_existing_coupons"();
CREATE TRIGGER "coupon_issue_coupon_exists_after_insert" AFTER INSERT ON "coupon_issue"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rows_name_existing_coupons"();
CREATE TRIGGER "coupon_issue_coupon_exists_after_update" AFTER UPDATE ON "coupon_issue"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rows_name_existing_coupons"();

-- Fires once the coupon's row is locked for the delete or update, so it sees every decision and issue committed by an
-- insert that held the row (KEY SHARE) until then.
CREATE FUNCTION "coupon_keeps_its_decisions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "issue_decision" WHERE "coupon_id" = OLD."id") THEN
    RAISE EXCEPTION 'update or delete on table "coupon" violates foreign key constraint "issue_decision_coupon_id_fkey" on table "issue_decision"'
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "issue_decision".', OLD."id");
  END IF;
  IF EXISTS (SELECT 1 FROM "coupon_issue" WHERE "coupon_id" = OLD."id") THEN
    RAISE EXCEPTION 'update or delete on table "coupon" violates foreign key constraint "coupon_issue_coupon_id_fkey" on table "coupon_issue"'
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "coupon_issue".', OLD."id");
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "coupon_keeps_its_decisions_on_delete" BEFORE DELETE ON "coupon"
  FOR EACH ROW EXECUTE FUNCTION "coupon_keeps_its_decisions"();
CREATE TRIGGER "coupon_keeps_its_decisions_on_key_change" BEFORE UPDATE OF "id" ON "coupon"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id") EXECUTE FUNCTION "coupon_keeps_its_decisions"();
