import { parseArgs } from "node:util";
import { createPrismaClient, PrismaIssueStore } from "@dibs/db";
import { createRedis, RedisIssueGate } from "@dibs/gate";
import { loadConfig } from "@dibs/issuer/config";
import { createKafka, kafkaSecurityFrom } from "@dibs/kafka";
import { consumerLag, reconcile, repair } from "@dibs/ops";
import { loadDevEnv } from "./env.mjs";

/** pnpm reconcile [couponId] [--repair]: Redis against Postgres for one coupon or all, and the consumer group's lag. */
loadDevEnv();
const { values, positionals } = parseArgs({ allowPositionals: true, options: { repair: { type: "boolean", default: false } } });
// The issuer's configuration: the tool reaches Postgres, Redis and Kafka exactly as the issuer does.
const config = loadConfig();
const prisma = createPrismaClient(config.DATABASE_URL);
const redis = createRedis(config, { maxRetriesPerRequest: 1 });
const store = new PrismaIssueStore(prisma);
const gate = new RedisIssueGate(redis);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-reconcile", security: kafkaSecurityFrom(config) });
let differences = 0;

try {
  const couponIds =
    positionals.length > 0 ? positionals : (await prisma.coupon.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } })).map((c) => c.id);
  for (const couponId of couponIds) {
    const report = await reconcile(store, gate, couponId);
    if (!report) {
      console.log(`${couponId}: no such coupon`);
      differences += 1;
      continue;
    }
    const { postgres: pg, redis: atGate } = report;
    console.log(
      `${couponId}: Postgres issued ${pg.issued}/${pg.stock} to ${pg.holders} users; Redis ${atGate.present ? `issued ${atGate.issued} to ${atGate.holders} users, ${atGate.inFlight} verdicts not yet in Postgres` : "holds no state"}`,
    );
    for (const line of report.differences) console.log(`  ≠ ${line}`);
    differences += report.differences.length;
    if (values.repair && report.differences.length > 0) {
      const repaired = await repair(store, gate, couponId);
      console.log(`  repaired ${repaired?.repaired.length ?? 0} differences under the fence; ${repaired?.remaining.length ?? 0} remain`);
    }
  }
  const admin = kafka.admin();
  await admin.connect();
  const lag = await consumerLag(admin, config.ISSUER_GROUP_ID).finally(() => admin.disconnect());
  console.log(`consumer group lag: ${lag.map((p) => `p${p.partition}=${p.lag}`).join(" ")} (total ${lag.reduce((s, p) => s + p.lag, 0)})`);
} finally {
  await prisma.$disconnect();
  redis.disconnect();
}
if (differences > 0 && !values.repair) process.exitCode = 1;
