import { gateKeys } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import { userIdProblem } from "@dibs/domain";
import type { Issuer } from "@dibs/issuer/wiring";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel } from "../src/http.ts";
import { createCoupon, drained, flood } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

/**
 * Ids a user may have, generated over all of Unicode (and a few chosen to break CSV, JSON, SQL and the gate's packing),
 * less those the API refuses: each must come back unchanged from every place it goes.
 */
const CHOSEN = [
  'quo"te',
  "comma,id",
  "back\\slash",
  "semi;colon",
  "'; DROP TABLE coupon; --",
  "<script>x</script>",
  " spaced ",
  "김민준",
  "🎟️",
  "ZWJ-free 👩🏽",
  "%00",
  "😀".repeat(128),
];
const GENERATED = fc.sample(
  fc.string({ unit: "binary", minLength: 1, maxLength: 128 }).filter((id) => userIdProblem(id) === undefined),
  { numRuns: 150, seed: 20261129 },
);
const USER_IDS = [...new Set([...CHOSEN, ...GENERATED])];

describe("user ids from a generated corpus, end to end", () => {
  const prisma = createPrismaClient(testEnv.databaseUrl);
  const redis = new Redis(testEnv.redisUrl);
  let api: RunningApi;
  let issuers: Issuer[];

  beforeAll(async () => {
    [api, issuers] = await Promise.all([startApi(), startIssuers(1)]);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all((issuers ?? []).map((i) => i.stop()));
    await prisma.$disconnect();
    redis.disconnect();
  });

  it("every accepted id comes back unchanged from Kafka, the gate, Postgres, the status and holdings routes and the CSV export", async () => {
    expect(USER_IDS.every((id) => userIdProblem(id) === undefined)).toBe(true);
    const couponId = await createCoupon(api.url, { name: "user ids", stock: USER_IDS.length });
    const observed = await flood(api.url, couponId, USER_IDS, 30);
    expect(observed.filter((o) => o.status !== 202).map((o) => [o.userId, o.status, o.code])).toEqual([]);
    await drained(prisma, observed);

    const issued = await prisma.couponIssue.findMany({ where: { couponId }, select: { userId: true } });
    expect(issued.map((i) => i.userId).sort()).toEqual([...USER_IDS].sort());
    expect((await redis.hkeys(gateKeys(couponId).holdings)).sort()).toEqual([...USER_IDS].sort());

    const answers = await inParallel(observed, 30, async ({ userId, requestId }) => {
      const status = await call<{ status: string }>(`${api.url}/issue-requests/${requestId}`, { token: tokenFor(userId) });
      const held = await call<{ coupons: Array<{ couponId: string }> }>(`${api.url}/me/coupons`, { token: tokenFor(userId) });
      return { userId, status: status.body.status, holds: held.body.coupons.some((c) => c.couponId === couponId) };
    });
    expect(answers.filter((a) => a.status !== "ISSUED" || !a.holds)).toEqual([]);

    const csv = await fetch(`${api.url}/admin/coupons/${couponId}/issues.csv`, {
      headers: { authorization: `Bearer ${tokenFor("e2e-admin", { admin: true })}` },
    });
    expect(
      parseCsv(await csv.text())
        .slice(1)
        .map((row) => row[1])
        .sort(),
    ).toEqual([...USER_IDS].sort());
  });
});

/** RFC 4180: fields in quotes may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else field += c;
  }
  return rows;
}
