import { readFileSync } from "node:fs";
import { DECISIONS_CHANNEL, decodeDecisionNotices, gateKeys } from "@dibs/contracts";
import { createSubscriber, subscribe } from "@dibs/gate";
import { redisClusterSh } from "@dibs/gate/testing/cluster";
import { type Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowd, interleave } from "../src/load.ts";
import { FaultSystem } from "../src/system.ts";

const FIRST_PORT = 17001;
/** Per coupon: 3 on the master that is killed, 3 on the others. */
const COUPONS_EACH_SIDE = 3;
const STOCK = 300;
const USERS = 450;
const REQUESTS = 600;

const nodeOfPort = (port: number) => port - FIRST_PORT + 1;

/** How many each coupon's gate has issued, as one node holds it (0 for none). */
const issuedOn = (node: Redis, couponIds: readonly string[]) =>
  Promise.all(couponIds.map(async (id) => Number((await node.hget(gateKeys(id).meta, "issued")) ?? 0)));

/** The port of the master serving `key`'s slot, as the cluster says now. */
async function masterPortOf(redis: Cluster, key: string): Promise<number> {
  await new Promise<void>((resolve, reject) => redis.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
  const slot = Number(await redis.cluster("KEYSLOT", key));
  return Number(redis.slots[slot]![0]!.split(":")[1]);
}

describe("F16 a Redis Cluster master holding hot coupons killed mid-sale, its replica promoted", () => {
  let system: FaultSystem;
  beforeAll(async () => {
    await redisClusterSh("start");
    system = await FaultSystem.start({ scenario: "F16 Redis master failover", apis: 2, issuers: 2, redis: "cluster" });
  });
  afterAll(async () => {
    await system?.stop();
    // The killed node comes back as its replacement's replica: the cluster is whole again for whatever runs next.
    await redisClusterSh("start");
  });

  it("goes on selling on the promoted replica; what the failover lost is rebuilt from Postgres; I1–I5 hold", async () => {
    const redis = system.redis as Cluster;
    // The victim is the master of the decisions channel too: the API's sharded subscription must follow it.
    const victimPort = await masterPortOf(redis, DECISIONS_CHANNEL);
    const hot: string[] = [];
    const cold: string[] = [];
    // Coupons are created until each side has its three; any extra stays unsold and unchecked.
    while (hot.length < COUPONS_EACH_SIDE || cold.length < COUPONS_EACH_SIDE) {
      const couponId = await system.createCoupon({ stock: STOCK });
      const side = (await masterPortOf(redis, gateKeys(couponId).meta)) === victimPort ? hot : cold;
      if (side.length < COUPONS_EACH_SIDE) side.push(couponId);
    }
    const replica = (
      await Promise.all(redis.nodes("slave").map(async (node) => ({ port: node.options.port!, role: (await node.role()) as [string, string, number] })))
    ).find((r) => r.role[2] === victimPort)!;
    system.note(`victim master ${victimPort} (node ${nodeOfPort(victimPort)}), its replica ${replica.port}; hot ${hot.join(" ")}`);

    const subscriber = createSubscriber(redis);
    const heard: Array<{ at: number; requestId: string }> = [];
    const stopListening = await subscribe(subscriber, DECISIONS_CHANNEL, (message) => {
      for (const notice of decodeDecisionNotices(message)) heard.push({ at: Date.now(), requestId: notice.requestId });
    });

    const requests = interleave([
      ...hot.map((id, i) => crowd(`f16-hot${i}`, id, USERS, REQUESTS)),
      ...cold.map((id, i) => crowd(`f16-cold${i}`, id, USERS, REQUESTS)),
    ]);
    const sale = system.sale(requests, { perSecond: 300 });
    // A quarter of the way, when both issuers have joined the group and the hot coupons are selling.
    await sale.answered(REQUESTS * 1.5);
    // Replication is asynchronous: the replica stalls and loses its link, its master goes on deciding, then dies. What
    // the master decided meanwhile is in Postgres (or still to be decided) but not on the replica that takes over.
    system.note(`pausing replica ${replica.port} and cutting its link to master ${victimPort}`);
    await redisClusterSh("pause-node", String(nodeOfPort(replica.port)));
    const victim = redis.nodes("master").find((node) => node.options.port === victimPort)!;
    await victim.client("KILL", "TYPE", "replica");
    // The master decides a batch or more of the hot coupons while its replica is cut off.
    const issuedAtPause = await issuedOn(victim, hot);
    let issuedAtKill = issuedAtPause;
    const until = Date.now() + 15_000;
    while (issuedAtKill.join() === issuedAtPause.join() && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      issuedAtKill = await issuedOn(victim, hot);
    }
    const killedAt = Date.now();
    system.note(`killing master ${victimPort}; it had issued ${issuedAtKill.join(", ")} of the hot coupons`);
    await redisClusterSh("kill-node", String(nodeOfPort(victimPort)));
    await redisClusterSh("resume-node", String(nodeOfPort(replica.port)));
    // Until it is promoted the replica takes no write: what it holds now is what the new master starts from.
    const stale = new Redis({ host: "127.0.0.1", port: replica.port, lazyConnect: true });
    await stale.connect();
    await stale.call("READONLY");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const issuedOnReplica = await issuedOn(stale, hot);
    stale.disconnect();
    system.note(`the replica holds ${issuedOnReplica.join(", ")} issued of the hot coupons`);
    expect(
      hot.some((_, i) => issuedOnReplica[i]! < issuedAtKill[i]!),
      `the replica lost the master's last decisions (issued at the kill ${issuedAtKill.join(", ")}, on the replica ${issuedOnReplica.join(", ")})`,
    ).toBe(true);
    const deadline = Date.now() + 30_000;
    while ((await masterPortOf(redis, DECISIONS_CHANNEL).catch(() => victimPort)) !== replica.port) {
      if (Date.now() > deadline) throw new Error(`replica ${replica.port} was not promoted within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const healedAt = Date.now();
    system.note(`replica ${replica.port} promoted, ${healedAt - killedAt} ms after the kill`);

    const observed = await sale.done;
    const row = await system.check({ couponIds: [...hot, ...cold], observed, healedAt });
    expect(row.violations).toEqual([]);
    expect(row.issued).toBe(2 * COUPONS_EACH_SIDE * STOCK);

    const rebuilt = system.issuers
      .flatMap((issuer) => readFileSync(issuer.logFile, "utf8").split("\n"))
      .filter((line) => line.includes("gate state rebuilt from Postgres"))
      .map((line) => JSON.parse(line) as { time: number; coupons: string[] })
      .filter((line) => line.time > killedAt);
    expect(
      rebuilt.some((line) => line.coupons.some((id) => hot.includes(id))),
      "a hot coupon's gate, behind Postgres after the failover, was rebuilt from Postgres",
    ).toBe(true);
    expect(
      heard.some((h) => h.at > healedAt),
      "the sharded subscription followed the channel to the promoted replica",
    ).toBe(true);
    await stopListening();
    subscriber.disconnect();
  });
});
