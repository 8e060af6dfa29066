import { randomUUID } from "node:crypto";
import { gateKeys } from "@dibs/contracts";
import { type CouponLedger, decideAgainst, type GateState, type GateVerdicts, type Holding, type IssueRequest } from "@dibs/domain";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../src/redis-connection.ts";
import { RedisIssueGate } from "../src/redis-issue-gate.ts";
import { issuedAtGate } from "../src/sold-out.ts";
import { REDIS_TARGETS } from "./support/redis-cluster.ts";

const used: string[] = [];

/** The staged keys a rebuild left behind, from every master of a cluster (KEYS reads one node). */
async function stagedKeys(redis: RedisClient, couponId: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
  return (await Promise.all(nodes.map((node) => node.keys(`dibs:{coupon:${couponId}}:staged:*`)))).flat();
}

function coupon(stock: number, perUserLimit = 1, endsAt: Date | null = null) {
  const id = randomUUID();
  used.push(id);
  return {
    id,
    name: "t",
    mode: "FIRST_COME" as const,
    stock,
    issuedCount: 0,
    perUserLimit,
    startsAt: null,
    endsAt,
    pauses: [],
    drawnAt: null,
    prequeueSeconds: null,
    prequeueDrawnAt: null,
  };
}

function request(couponId: string, userId: string, requestId = randomUUID()): IssueRequest {
  return { requestId, couponId, userId, acceptedAt: new Date() };
}

/** Each ledger a later generation than the one before, as Postgres hands them out. */
let generation = 0;
function ledger(c: ReturnType<typeof coupon>, holdings: Holding[] = [], pageSize = 1_000): CouponLedger {
  return {
    coupon: c,
    epoch: ++generation,
    holdings: async function* () {
      for (let i = 0; i < holdings.length; i += pageSize) yield holdings.slice(i, i + pageSize);
    },
  };
}

const decisionsOf = (decided: GateVerdicts | null) => decided?.verdicts.map((v) => v.decision);

describe.each(REDIS_TARGETS)("on $name", ({ connect }) => {
  let redis: RedisClient;
  let gate: RedisIssueGate;
  beforeAll(async () => {
    redis = await connect();
    gate = new RedisIssueGate(redis);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(used.map((id) => redis.del(...Object.values(gateKeys(id)))));
    redis.disconnect();
  });

  describe("RedisIssueGate", () => {
    it("holds no state for a coupon it was never given", async () => {
      expect(await gate.decide(coupon(1), [request("x", "alice")])).toBeNull();
    });

    it.each([1, 3])("decides exactly as the domain's rules on a random flood (per-user limit %i)", async (perUserLimit) => {
      const c = coupon(37, perUserLimit);
      await gate.rebuild(ledger(c));
      const reference: GateState = { stock: 37, perUserLimit, issued: 0, holdings: new Map(), decisions: new Map() };
      const requests = Array.from({ length: 400 }, () => request(c.id, `user-${Math.floor(Math.random() * 30)}`));
      const flood = [...requests, ...requests.filter((_, i) => i % 7 === 0)];
      const verdicts = [];
      for (let i = 0; i < flood.length; i += 50) verdicts.push(...(await gate.decide(c, flood.slice(i, i + 50)))!.verdicts);
      expect(verdicts).toEqual(flood.map((r) => decideAgainst(reference, r.requestId, r.userId)));
      expect(await redis.hget(gateKeys(c.id).meta, "issued")).toBe(String(reference.issued));
      expect(await redis.hlen(gateKeys(c.id).holdings)).toBe(reference.holdings.size);
    });

    it("decides as the domain's rules in one call of thousands, with requests and users repeated within it", async () => {
      const c = coupon(5_000, 2);
      await gate.rebuild(ledger(c));
      const reference: GateState = { stock: 5_000, perUserLimit: 2, issued: 0, holdings: new Map(), decisions: new Map() };
      const requests = Array.from({ length: 9_000 }, (_, i) => request(c.id, `user-${i % 3_500}`));
      const flood = [...requests, ...requests.filter((_, i) => i % 5 === 0)];
      expect((await gate.decide(c, flood))?.verdicts).toEqual(flood.map((r) => decideAgainst(reference, r.requestId, r.userId)));
      expect(await redis.hget(gateKeys(c.id).meta, "issued")).toBe(String(reference.issued));
    });

    it("takes user ids of any characters, the packing's digits and commas among them", async () => {
      const c = coupon(10);
      await gate.rebuild(ledger(c));
      const users = ["007alice", "a,b", "ISSUED:1,", "\n\u0000", "김민준", "🎟️".repeat(32), "x".repeat(128)];
      expect(
        decisionsOf(
          await gate.decide(
            c,
            users.map((u) => request(c.id, u)),
          ),
        ),
      ).toEqual(users.map(() => "ISSUED"));
      expect(
        decisionsOf(
          await gate.decide(
            c,
            users.map((u) => request(c.id, u)),
          ),
        ),
      ).toEqual(users.map(() => "DUPLICATE"));
      expect(await redis.hkeys(gateKeys(c.id).holdings)).toEqual(expect.arrayContaining(users));
    });

    it("keeps the stock even when one batch asks for more than is left, and follows a larger stock", async () => {
      const c = coupon(3);
      await gate.rebuild(ledger(c));
      expect(
        decisionsOf(
          await gate.decide(
            c,
            ["a", "b", "c", "d", "e"].map((u) => request(c.id, u)),
          ),
        ),
      ).toEqual(["ISSUED", "ISSUED", "ISSUED", "SOLD_OUT", "SOLD_OUT"]);
      expect(await issuedAtGate(redis, c.id)).toBe(3);
      expect(decisionsOf(await gate.decide({ ...c, stock: 4 }, [request(c.id, "f"), request(c.id, "g")]))).toEqual(["ISSUED", "SOLD_OUT"]);
    });

    it("rebuilds from a ledger: who holds what stays, and no verdict comes back", async () => {
      const c = coupon(2);
      await gate.rebuild(ledger(c, [{ userId: "alice", count: 1 }]));
      expect(await issuedAtGate(redis, c.id)).toBe(1);
      expect(await redis.hlen(gateKeys(c.id).decisions)).toBe(0);
      const decided = await gate.decide(c, [request(c.id, "alice"), request(c.id, "bob"), request(c.id, "carol")]);
      expect(decided?.verdicts).toEqual([{ decision: "DUPLICATE", holding: 1 }, { decision: "ISSUED", holding: 1 }, { decision: "SOLD_OUT" }]);
    });

    it("keeps a verdict until told Postgres has it, then forgets it", async () => {
      const c = coupon(5);
      await gate.rebuild(ledger(c));
      const asked = [request(c.id, "alice"), request(c.id, "bob")];
      await gate.decide(c, asked);
      expect(decisionsOf(await gate.decide(c, asked))).toEqual(["ISSUED", "ISSUED"]);
      await gate.forget(
        c.id,
        asked.map((r) => r.requestId),
      );
      expect(await redis.hlen(gateKeys(c.id).decisions)).toBe(0);
      expect(await redis.hlen(gateKeys(c.id).holdings)).toBe(2);
    });

    it("lets a campaign's keys expire a day after its end, and keeps one without an end", async () => {
      const ending = coupon(5, 1, new Date(Date.now() + 60_000));
      const endless = coupon(5);
      for (const c of [ending, endless]) {
        await gate.rebuild(ledger(c));
        await gate.decide(c, [request(c.id, "alice")]);
      }
      const ttl = await redis.pttl(gateKeys(ending.id).meta);
      expect(ttl).toBeGreaterThan(24 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
      expect(await redis.pttl(gateKeys(endless.id).meta)).toBe(-1);
    });

    it("replaces stale state on rebuild, whatever was there", async () => {
      const c = coupon(1);
      await gate.rebuild(ledger(c));
      await gate.decide(c, [request(c.id, "mallory")]);
      await gate.rebuild(ledger(c));
      expect(decisionsOf(await gate.decide(c, [request(c.id, "alice")]))).toEqual(["ISSUED"]);
    });

    it("answers with the generation of its state, and keeps a later generation over an earlier one", async () => {
      const c = coupon(3);
      const earlier = ledger(c);
      const later = ledger(c, [{ userId: "alice", count: 1 }]);
      await gate.rebuild(later);
      expect((await gate.decide(c, []))?.epoch).toBe(later.epoch);
      await gate.rebuild(earlier);
      const decided = await gate.decide(c, [request(c.id, "alice")]);
      expect(decided).toEqual({ epoch: later.epoch, verdicts: [{ decision: "DUPLICATE", holding: 1 }] });
      expect(await stagedKeys(redis, c.id)).toEqual([]);
    });

    it("rebuilds a large ledger a page at a time, and swaps it in whole", async () => {
      const c = coupon(12_001);
      const holdings = Array.from({ length: 12_000 }, (_, i) => ({ userId: `holder-${i}`, count: 1 }));
      await gate.rebuild(ledger(c, holdings, 1_000));
      expect(await redis.hlen(gateKeys(c.id).holdings)).toBe(12_000);
      expect(await stagedKeys(redis, c.id)).toEqual([]);
      expect(await redis.pttl(gateKeys(c.id).holdings)).toBe(-1);
      expect(decisionsOf(await gate.decide(c, [request(c.id, "holder-5"), request(c.id, "new")]))).toEqual(["DUPLICATE", "ISSUED"]);
    });
  });

  describe("the repair fence", () => {
    it("refuses to decide while a repair holds the fence, and decides again after", async () => {
      const c = coupon(5);
      await gate.rebuild(ledger(c));
      let during: unknown;
      await gate.fenced(c.id, async () => {
        during = await gate.decide(c, [request(c.id, "alice")]).catch((error: Error) => error.message);
      });
      expect(during).toContain("FENCED");
      expect(decisionsOf(await gate.decide(c, [request(c.id, "alice")]))).toEqual(["ISSUED"]);
    });

    it("lets only one repair hold it at a time", async () => {
      const c = coupon(5);
      await gate.fenced(c.id, async () => {
        await expect(gate.fenced(c.id, async () => undefined)).rejects.toThrow("already being repaired");
      });
    });
  });
});
